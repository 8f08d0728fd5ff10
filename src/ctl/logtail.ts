// The streaming client behind tail -f, maintail -f and fg: GET /logtail/... or /mainlogtail with
// 4.2.5's headers, a chunked (or Content-Length) body copied out as it arrives, errors on stderr.
import net from 'node:net';
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
  const parser = new ResponseParser(url, sinks, () => socket.end());
  let finish: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  socket.on('connect', () => socket.write(`${lines.join('\r\n')}\r\n\r\n\r\n`));
  socket.on('data', (chunk: Buffer) => parser.feed(chunk));
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (!parser.failed) sinks.error(`${url} Cannot connect, error: ${CONNECT_ERRORS[err.code ?? ''] ?? `<class 'OSError'> (${err.message})`}`);
    parser.failed = true;
  });
  socket.on('close', () => finish());
  return { done, close: () => socket.destroy() };
}

/** Status line, headers, then a chunked or Content-Length body. */
class ResponseParser {
  failed = false;
  private buffer = Buffer.alloc(0);
  private state: 'status' | 'headers' | 'chunk-size' | 'chunk-data' | 'body' | 'done' = 'status';
  private chunked = false;
  private remaining = 0;

  constructor(
    private readonly url: string,
    private readonly sinks: LogStreamSinks,
    private readonly end: () => void,
  ) {}

  feed(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.step());
  }

  private line(): string | null {
    const at = this.buffer.indexOf('\r\n');
    if (at < 0) return null;
    const text = this.buffer.subarray(0, at).toString('latin1');
    this.buffer = this.buffer.subarray(at + 2);
    return text;
  }

  private step(): boolean {
    switch (this.state) {
      case 'status': {
        const text = this.line();
        if (text === null) return false;
        const status = Number(text.split(/\s+/)[1]);
        if (status !== 200) {
          this.sinks.error(`${this.url} Cannot read, status code ${status}`);
          this.failed = true;
          this.state = 'done';
          this.end();
          return false;
        }
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        const text = this.line();
        if (text === null) return false;
        if (text === '') {
          this.state = this.chunked ? 'chunk-size' : 'body';
          return true;
        }
        const colon = text.indexOf(':');
        const name = text.slice(0, colon).trim().toLowerCase();
        const value = text.slice(colon + 1).trim();
        if (name === 'transfer-encoding') this.chunked = value.toLowerCase() === 'chunked';
        else if (name === 'content-length') this.remaining = Number(value);
        return true;
      }
      case 'chunk-size': {
        const text = this.line();
        if (text === null) return false;
        if (text === '') return true;
        this.remaining = parseInt(text.split(/[\s;]/)[0]!, 16);
        this.state = this.remaining === 0 ? 'done' : 'chunk-data';
        if (this.state === 'done') this.end();
        return true;
      }
      case 'chunk-data':
      case 'body': {
        if (this.buffer.length === 0) return false;
        const take = this.buffer.subarray(0, this.remaining);
        this.buffer = this.buffer.subarray(take.length);
        this.remaining -= take.length;
        this.sinks.data(take);
        if (this.remaining === 0) {
          this.state = this.state === 'body' ? 'done' : 'chunk-size';
          if (this.state === 'done') this.end();
        }
        return this.state !== 'done';
      }
      case 'done':
        return false;
    }
  }
}
