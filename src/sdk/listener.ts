// The listener SDK (`supervisor-ts/listener`): write an [eventlistener:x] in Node as a loop over
// typed events. It speaks the wire protocol on stdin/stdout exactly as supervisor.childutils
// does, reading `len` characters (code points), so it works under supervisor-ts and 4.2.5 alike.
import type { Readable, Writable } from 'node:stream';

export interface EventHeaders {
  ver: string;
  server: string;
  serial: number;
  pool: string;
  poolserial: number;
  eventname: string;
  len: number;
}

export interface ListenerEvent {
  headers: EventHeaders;
  eventname: string;
  /** the key:value tokens of the payload's first line (processname, groupname, pid, ...) */
  fields: Record<string, string>;
  /** the text after the first newline (output, captured data, remote data), or null */
  data: string | null;
  /** the whole payload as sent */
  payload: string;
  /** answer OK (done, do not send again) */
  ok(): void;
  /** answer FAIL: supervisord sends the same event again */
  fail(): void;
}

export interface ListenOptions {
  input?: Readable;
  output?: Writable;
}

/** Splits `a:b c:d` as childutils.get_headers does: on whitespace, then at the first colon. */
export function parseTokens(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of text.split(/\s+/)) {
    if (!token) continue;
    const colon = token.indexOf(':');
    if (colon < 0) continue;
    out[token.slice(0, colon)] = token.slice(colon + 1);
  }
  return out;
}

export function parseHeaders(line: string): EventHeaders {
  const t = parseTokens(line);
  const num = (key: string): number => {
    const n = Number(t[key]);
    if (!Number.isInteger(n)) throw new Error(`supervisor-ts/listener: bad header ${key} in ${JSON.stringify(line)}`);
    return n;
  };
  if (t.ver === undefined || t.eventname === undefined) throw new Error(`supervisor-ts/listener: not an event header: ${JSON.stringify(line)}`);
  return { ver: t.ver, server: t.server ?? '', serial: num('serial'), pool: t.pool ?? '', poolserial: num('poolserial'), eventname: t.eventname, len: num('len') };
}

/** Payload = token line, then optionally `\n` and data (childutils.eventdata). */
export function splitPayload(payload: string): { fields: Record<string, string>; data: string | null } {
  const newline = payload.indexOf('\n');
  if (newline < 0) return { fields: parseTokens(payload), data: null };
  return { fields: parseTokens(payload.slice(0, newline)), data: payload.slice(newline + 1) };
}

/** Reads bytes from a stream on demand: a line, or n code points of UTF-8. */
class StreamReader {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(input: Readable) {
    input.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.notify();
    });
    input.on('end', () => {
      this.ended = true;
      this.notify();
    });
    input.on('error', () => {
      this.ended = true;
      this.notify();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    await new Promise<void>((resolve) => (this.wake = resolve));
    return true;
  }

  async line(): Promise<string | null> {
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl >= 0) {
        const line = this.buffer.subarray(0, nl).toString('utf8');
        this.buffer = this.buffer.subarray(nl + 1);
        return line;
      }
      if (!(await this.more()) && this.buffer.indexOf(0x0a) < 0) return null;
    }
  }

  /** n code points: a UTF-8 lead byte starts each one, so count lead bytes, then take its continuation bytes. */
  async codePoints(n: number): Promise<string | null> {
    for (;;) {
      const end = utf8PrefixLength(this.buffer, n);
      if (end >= 0) {
        const text = this.buffer.subarray(0, end).toString('utf8');
        this.buffer = this.buffer.subarray(end);
        return text;
      }
      if (!(await this.more())) return null;
    }
  }
}

/** Byte length of the first n code points in buf, or -1 if buf does not hold them all yet. */
export function utf8PrefixLength(buf: Buffer, n: number): number {
  let count = 0;
  let i = 0;
  while (count < n) {
    if (i >= buf.length) return -1;
    const lead = buf[i]!;
    const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (i + size > buf.length) return -1;
    i += size;
    count++;
  }
  return i;
}

/**
 * Yields each event supervisord sends. Answer with event.ok() or event.fail(); an event left
 * unanswered is answered OK when the next one is asked for. Leaving the loop (break, return or
 * a throw) with an event unanswered answers FAIL, so supervisord sends it again: call ok() first
 * if it was handled.
 */
export async function* listen(options: ListenOptions = {}): AsyncGenerator<ListenerEvent, void, undefined> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const reader = new StreamReader(input);
  let answered = true;
  const answer = (text: string): void => {
    if (answered) return;
    answered = true;
    output.write(`RESULT ${Buffer.byteLength(text)}\n${text}`);
  };
  try {
    for (;;) {
      output.write('READY\n');
      const line = await reader.line();
      if (line === null) return;
      const headers = parseHeaders(line);
      const payload = await reader.codePoints(headers.len);
      if (payload === null) return;
      answered = false;
      const { fields, data } = splitPayload(payload);
      yield { headers, eventname: headers.eventname, fields, data, payload, ok: () => answer('OK'), fail: () => answer('FAIL') };
      answer('OK');
    }
  } finally {
    // the loop was left (break, return or a throw) without answering: FAIL, so nothing is lost
    answer('FAIL');
  }
}
