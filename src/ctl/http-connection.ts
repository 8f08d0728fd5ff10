// One kept-alive HTTP/1.1 connection (TCP or unix socket) for supervisorctl's XML-RPC requests,
// written on node:net. node:http does the same, but loading it and its agent's first request cost
// about a tenth of the CPU of a one-off supervisorctl call (docs/decisions/0014-fast-supervisorctl.md).
// One request at a time, as 4.2.5's xmlrpc transport sends them; the body of an error status is
// not read.
import net from 'node:net';
import { HttpResponseParser, type ResponseHead } from './http-response.js';

export interface HttpResponse {
  status: number;
  reason: string;
  body: Buffer;
}

/** The connection failed or closed before a whole response came; `code` is Node's errno code. */
export class HttpConnectionError extends Error {
  constructor(
    readonly code: string,
    /** some of the response had come: the server acted on the request */
    readonly answered: boolean,
  ) {
    super(code);
  }
}

export class HttpConnection {
  private socket: net.Socket | null = null;
  private inFlight: ResponseReader | null = null;

  constructor(private readonly connect: () => net.Socket) {}

  /** Sends a request (`head` ends with the empty line) and resolves with the whole response. */
  async request(head: string, body: Buffer): Promise<HttpResponse> {
    const reused = this.socket !== null;
    try {
      return await this.exchange(head, body);
    } catch (err) {
      // the server may close an idle kept-alive connection at any time: like Python's xmlrpc
      // transport, try once more on a new one when nothing at all came back on the old
      if (!reused || !(err instanceof HttpConnectionError) || err.answered) throw err;
      return this.exchange(head, body);
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private exchange(head: string, body: Buffer): Promise<HttpResponse> {
    if (this.inFlight) throw new Error('HttpConnection: one request at a time');
    return new Promise((resolve, reject) => {
      const socket = this.socket ?? this.open();
      this.inFlight = new ResponseReader(
        (response, keepAlive) => {
          this.inFlight = null;
          if (!keepAlive) this.drop(socket);
          resolve(response);
        },
        (code, answered) => {
          this.inFlight = null;
          this.drop(socket);
          reject(new HttpConnectionError(code, answered));
        },
      );
      // head and body in one write: one syscall, one segment (0.2 ms of JS CPU per call)
      socket.write(Buffer.concat([Buffer.from(head, 'utf8'), body]));
    });
  }

  private open(): net.Socket {
    const socket = this.connect();
    this.socket = socket;
    // a dropped socket's late events (its close, an error) must not reach the next request's reader
    const current = (): ResponseReader | null => (this.socket === socket ? this.inFlight : null);
    socket.on('data', (chunk: Buffer) => current()?.feed(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => current()?.fail(err.code ?? 'ECONNRESET'));
    socket.on('close', () => {
      const reader = current();
      if (this.socket === socket) this.socket = null;
      reader?.closed();
    });
    return socket;
  }

  private drop(socket: net.Socket): void {
    socket.destroy();
    if (this.socket === socket) this.socket = null;
  }
}

/** One request's response, gathered: settles once, with the response or the reason there is none. */
class ResponseReader {
  private readonly parser: HttpResponseParser;
  private readonly body: Buffer[] = [];
  private head: ResponseHead = { status: 0, reason: '' };
  private settled = false;

  constructor(
    private readonly done: (response: HttpResponse, keepAlive: boolean) => void,
    private readonly failed: (code: string, answered: boolean) => void,
  ) {
    this.parser = new HttpResponseParser({
      head: (head) => {
        this.head = head;
        if (head.status === 200) return true;
        // an error status is all an XML-RPC client reads of such a response; the server may
        // reset the connection right after it (401 before the request body was read)
        this.finish(false);
        return false;
      },
      data: (part) => this.body.push(part),
      end: (keepAlive) => this.finish(keepAlive),
      malformed: () => this.fail('EPROTO'),
    });
  }

  feed(chunk: Buffer): void {
    this.parser.feed(chunk);
  }

  fail(code: string): void {
    if (this.settled) return;
    this.settled = true;
    this.failed(code, this.parser.started);
  }

  /** The server closed the connection: the end of an until-close body, else a reset. */
  closed(): void {
    if (!this.parser.closed()) this.fail('ECONNRESET');
  }

  private finish(keepAlive: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.done({ ...this.head, body: Buffer.concat(this.body) }, keepAlive);
  }
}
