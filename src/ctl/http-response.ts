// One HTTP/1.x response read off a byte stream as it arrives: the status line and headers, then a
// Content-Length, chunked or read-until-close body handed on in pieces. supervisorctl's two HTTP
// clients share it: the XML-RPC connection (http-connection.ts), which gathers the body, and the
// log streams of tail -f / fg (logtail.ts), which copy it out as it comes.

export interface ResponseHead {
  status: number;
  reason: string;
}

export interface ResponseHandlers {
  /** The status line and headers came. Return false when the body is not wanted: reading stops. */
  head(head: ResponseHead): boolean;
  /** A piece of the body, chunk framing removed. */
  data(part: Buffer): void;
  /** The body ended; keepAlive: the connection may carry another request. */
  end(keepAlive: boolean): void;
  /** The bytes are not an HTTP/1.x response (a status line or chunk size that does not parse). */
  malformed(): void;
}

type State = 'status' | 'headers' | 'length' | 'until-close' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'stopped';

export class HttpResponseParser {
  private buffer: Buffer = Buffer.alloc(0);
  private state: State = 'status';
  private keepAlive = true;
  private chunked = false;
  private length: number | null = null;
  private remaining = 0;
  /** the status line's parts, handed on with the headers */
  private head: ResponseHead = { status: 0, reason: '' };

  constructor(private readonly handlers: ResponseHandlers) {}

  /** Some of the response has been read (the server acted on the request). */
  get started(): boolean {
    return this.state !== 'status' || this.buffer.length > 0;
  }

  feed(chunk: Buffer): void {
    if (this.state === 'stopped') return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.step());
  }

  /** The connection closed: true when that ended a read-until-close body (end() was called). */
  closed(): boolean {
    if (this.state !== 'until-close') return false;
    this.stop();
    this.handlers.end(false);
    return true;
  }

  private stop(): void {
    this.state = 'stopped';
    this.buffer = Buffer.alloc(0);
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

  private malformed(): false {
    this.stop();
    this.handlers.malformed();
    return false;
  }

  private ended(): false {
    this.stop();
    this.handlers.end(this.keepAlive);
    return false;
  }

  /** Advances by one line or one piece of body; false when more input is needed or reading stopped. */
  private step(): boolean {
    switch (this.state) {
      case 'status': {
        const text = this.line();
        if (text === null) return false;
        const match = /^HTTP\/1\.(\d) (\d{3})(?: (.*))?$/.exec(text);
        if (!match) return this.malformed();
        this.keepAlive = match[1] !== '0';
        this.head = { status: Number(match[2]), reason: match[3] ?? '' };
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        const text = this.line();
        if (text === null) return false;
        if (text !== '') {
          this.header(text);
          return true;
        }
        if (!this.handlers.head(this.head)) {
          this.stop();
          return false;
        }
        if (this.chunked) this.state = 'chunk-size';
        else if (this.length !== null && Number.isInteger(this.length) && this.length >= 0) {
          this.remaining = this.length;
          this.state = 'length';
          if (this.remaining === 0) return this.ended();
        } else {
          this.keepAlive = false;
          this.state = 'until-close';
        }
        return true;
      }
      case 'length': {
        if (this.buffer.length === 0) return false;
        const part = this.take(this.remaining);
        this.remaining -= part.length;
        this.handlers.data(part);
        return this.remaining === 0 ? this.ended() : false;
      }
      case 'until-close':
        if (this.buffer.length > 0) this.handlers.data(this.take(this.buffer.length));
        return false;
      case 'chunk-size': {
        const text = this.line();
        if (text === null) return false;
        const size = parseInt(text.split(/[\s;]/)[0]!, 16);
        if (!Number.isInteger(size) || size < 0) return this.malformed();
        this.remaining = size;
        this.state = size === 0 ? 'trailers' : 'chunk-data';
        return true;
      }
      case 'chunk-data': {
        if (this.buffer.length === 0) return false;
        const part = this.take(this.remaining);
        this.remaining -= part.length;
        if (this.remaining === 0) this.state = 'chunk-end';
        this.handlers.data(part);
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
        return text === '' ? this.ended() : true;
      }
      case 'stopped':
        return false;
    }
  }

  private header(text: string): void {
    const colon = text.indexOf(':');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim().toLowerCase();
    if (name === 'transfer-encoding') this.chunked = value.split(',').pop()!.trim() === 'chunked';
    else if (name === 'content-length') this.length = Number(value);
    else if (name === 'connection') this.keepAlive = value === 'keep-alive' || (this.keepAlive && value !== 'close');
  }
}
