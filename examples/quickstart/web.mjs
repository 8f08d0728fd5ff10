// A tiny HTTP server: curl http://127.0.0.1:8077/
import http from 'node:http';

const port = Number(process.env.QUICKSTART_PORT ?? 8077);
http
  .createServer((req, res) => {
    console.log(`web: ${req.method} ${req.url}`);
    res.end(`hello from ${process.env.SUPERVISOR_PROCESS_NAME ?? 'web'} (pid ${process.pid})\n`);
  })
  .listen(port, '127.0.0.1', () => console.log(`web: listening on http://127.0.0.1:${port}/`));
