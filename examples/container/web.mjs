// The example's server: answers every request on $PORT (8080 by default). A port already in use
// ends it with status 1, which supervisord retries (BACKOFF) and gives up on (FATAL).
import http from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const server = http.createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  res.end(`hello from web (pid ${process.pid})\n`);
});
server.on('error', (err) => {
  console.error(`cannot listen on port ${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, () => console.log(`listening on :${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
