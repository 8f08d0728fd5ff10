// One kept-alive HTTP/1.1 connection (TCP or unix socket) for supervisorctl's XML-RPC requests,
// written on node:net. node:http does the same, but loading it and its agent's first request cost
// about a tenth of the CPU of a one-off supervisorctl call (docs/decisions/0014-fast-supervisorctl.md).
// One request at a time, as 4.2.5's xmlrpc transport sends them; the body of an error status is
// not read.
import net from 'node:net';

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
      socket.write(head);
      socket.write(body);
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

/**
 * Status line, headers, then a Content-Length, chunked, or read-until-close body; a status other
 * than 200 ends the response at its headers.
 */
class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);
  private state: 'status' | 'headers' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'length' | 'until-close' = 'status';
  private status = 0;
  private reason = '';
  private keepAlive = true;
  private chunked = false;
  private length: number | null = null;
  private remaining = 0;
  private readonly body: Buffer[] = [];
  private settled = false;
  private answered = false;

  constructor(
    private readonly done: (response: HttpResponse, keepAlive: boolean) => void,
    private readonly failed: (code: string, answered: boolean) => void,
  ) {}

  feed(chunk: Buffer): void {
    this.answered = true;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (!this.settled && this.step());
  }

  fail(code: string): void {
    if (this.settled) return;
    this.settled = true;
    this.failed(code, this.answered);
  }

  /** The server closed the connection: the end of an until-close body, else a reset. */
  closed(): void {
    if (this.state === 'until-close') this.finish(false);
    else this.fail('ECONNRESET');
  }

  private finish(keepAlive: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.done({ status: this.status, reason: this.reason, body: Buffer.concat(this.body) }, keepAlive);
  }

  private line(): string | null {
    const at = this.buffer.indexOf('\r\n');
    if (at < 0) return null;
    const text = this.buffer.subarray(0, at).toString('latin1');
    this.buffer = this.buffer.subarray(at + 2);
    return text;
  }

  private take(n: number): Buffer {
    const part = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(part.length);
    return part;
  }

  /** Advances by one line or one piece of body; false when more input is needed. */
  private step(): boolean {
    switch (this.state) {
      case 'status': {
        const text = this.line();
        if (text === null) return false;
        const match = /^HTTP\/1\.(\d) (\d{3})(?: (.*))?$/.exec(text);
        if (!match) {
          this.fail('EPROTO');
          return false;
        }
        this.keepAlive = match[1] !== '0';
        this.status = Number(match[2]);
        this.reason = match[3] ?? '';
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        const text = this.line();
        if (text === null) return false;
        if (text !== '') {
          const colon = text.indexOf(':');
          const name = text.slice(0, colon).trim().toLowerCase();
          const value = text.slice(colon + 1).trim().toLowerCase();
          if (name === 'transfer-encoding') this.chunked = value.split(',').pop()!.trim() === 'chunked';
          else if (name === 'content-length') this.length = Number(value);
          else if (name === 'connection') this.keepAlive = value === 'keep-alive' || (this.keepAlive && value !== 'close');
          return true;
        }
        if (this.status !== 200) {
          // an error status is all an XML-RPC client reads of such a response; the server may
          // reset the connection right after it (401 before the request body was read)
          this.finish(false);
          return false;
        }
        if (this.chunked) this.state = 'chunk-size';
        else if (this.length !== null && Number.isInteger(this.length) && this.length >= 0) {
          this.remaining = this.length;
          this.state = 'length';
        } else {
          this.keepAlive = false;
          this.state = 'until-close';
        }
        return true;
      }
      case 'length': {
        this.body.push(this.take(this.remaining));
        this.remaining -= this.body[this.body.length - 1]!.length;
        if (this.remaining === 0) this.finish(this.keepAlive);
        return false;
      }
      case 'until-close':
        this.body.push(this.take(this.buffer.length));
        return false;
      case 'chunk-size': {
        const text = this.line();
        if (text === null) return false;
        const size = parseInt(text.split(/[\s;]/)[0]!, 16);
        if (!Number.isInteger(size) || size < 0) {
          this.fail('EPROTO');
          return false;
        }
        this.remaining = size;
        this.state = size === 0 ? 'trailers' : 'chunk-data';
        return true;
      }
      case 'chunk-data': {
        if (this.buffer.length === 0) return false;
        const part = this.take(this.remaining);
        this.body.push(part);
        this.remaining -= part.length;
        if (this.remaining === 0) this.state = 'chunk-end';
        return true;
      }
      case 'chunk-end': {
        const text = this.line();
        if (text === null) return false;
        this.state = 'chunk-size';
        return true;
      }
      case 'trailers': {
        const text = this.line();
        if (text === null) return false;
        if (text === '') this.finish(this.keepAlive);
        return text !== '';
      }
    }
  }
}
