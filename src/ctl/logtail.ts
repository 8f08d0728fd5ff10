// The streaming client behind tail -f, maintail -f and fg: GET /logtail/... or /mainlogtail with
// 4.2.5's headers, a chunked (or Content-Length) body copied out as it arrives, errors on stderr.
import net from 'node:net';
import { HttpResponseParser } from './http-response.js';
import { parseServerUrl } from './server-url.js';
import type { Credentials } from './rpc-client.js';

export interface LogStream {
  /** resolves when the server ends the body, the request fails, or close() is called */
  done: Promise<void>;
  close(): void;
}

export interface LogStreamSinks {
  data(bytes: Buffer): void;
  /** 4.2.5's Listener.error: `<url> <message>` */
  error(text: string): void;
}

/** Python's str() of the socket errors 4.2.5 can meet while connecting. */
const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: "<class 'ConnectionRefusedError'> ([Errno 111] Connection refused)",
  ENOENT: "<class 'FileNotFoundError'> ([Errno 2] No such file or directory)",
  ECONNRESET: "<class 'ConnectionResetError'> ([Errno 104] Connection reset by peer)",
};

export function openLogStream(serverurl: string, path: string, credentials: Credentials, sinks: LogStreamSinks): LogStream {
  const url = serverurl + path;
  const address = parseServerUrl(serverurl);
  const socket =
    address.kind === 'unix' ? net.createConnection({ path: address.socketPath }) : net.createConnection({ host: address.host, port: address.port });
  // 4.2.5 takes Host from urlparse(serverurl + path): empty for unix:// URLs
  const host = address.kind === 'unix' ? '' : serverurl.slice(7).split('/')[0]!;
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${host}`, 'Accept-Encoding: chunked', 'Accept: */*', 'User-agent: Supervisor HTTP Client'];
  // 4.2.5 sends credentials whenever a password is set, with "None" for a missing username
  if (credentials.password) {
    const auth = Buffer.from(`${credentials.username ?? 'None'}:${credentials.password}`, 'utf8').toString('base64');
    lines.push(`Authorization: Basic ${auth}`);
  }
  let failed = false;
  const fail = (text: string): void => {
    failed = true;
    sinks.error(`${url} ${text}`);
    socket.end();
  };
  const parser = new HttpResponseParser({
    head: ({ status }) => {
      if (status === 200) return true;
      fail(`Cannot read, status code ${status}`);
      return false;
    },
    data: (part) => sinks.data(part),
    end: () => socket.end(),
    malformed: () => fail('Cannot read, not an HTTP response'),
  });
  let finish: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  socket.on('connect', () => socket.write(`${lines.join('\r\n')}\r\n\r\n\r\n`));
  socket.on('data', (chunk: Buffer) => parser.feed(chunk));
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (!failed) sinks.error(`${url} Cannot connect, error: ${CONNECT_ERRORS[err.code ?? ''] ?? `<class 'OSError'> (${err.message})`}`);
    failed = true;
  });
  socket.on('close', () => {
    parser.closed();
    finish();
  });
  return { done, close: () => socket.destroy() };
}
