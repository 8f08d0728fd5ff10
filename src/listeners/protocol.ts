// The eventlistener protocol as read from a listener's stdout: one decoder with named states
// (ACKNOWLEDGED, READY, BUSY, UNKNOWN) that consumes exactly the bytes each state needs and
// reports what happened. Writing events is the pool's job; this file only decodes.

export const ListenerState = {
  READY: 10,
  BUSY: 20,
  ACKNOWLEDGED: 30,
  UNKNOWN: 40,
} as const;
export type ListenerStateName = keyof typeof ListenerState;

const READY_TOKEN = Buffer.from('READY\n');
/** `RESULT ` is never checked by 4.2.5: it skips 7 bytes and parses the rest as the length. */
const RESULT_PREFIX_LENGTH = 7;
// Python's int() of bytes: ASCII whitespace around, a sign, digits with single underscores between
// them (no Unicode whitespace or digits: those are not single bytes)
const PYTHON_BYTES_INT = /^[ \t\n\r\x0b\x0c]*([+-]?[0-9]+(?:_[0-9]+)*)[ \t\n\r\x0b\x0c]*$/;

/** The body length after the 7 skipped bytes of a result line, read as 4.2.5 reads it; null if it is no int. */
function resultLength(line: Buffer): number | null {
  const match = PYTHON_BYTES_INT.exec(line.subarray(RESULT_PREFIX_LENGTH).toString('latin1'));
  return match ? Number(match[1]!.replace(/_/g, '')) : null;
}

/** Limits on what a listener may make us buffer; past them it is a protocol violation, never a silent drop. */
export interface ProtocolLimits {
  /** longest RESULT line, default 1 KiB */
  maxResultLine: number;
  /** largest result body, default 1 MiB */
  maxResultBody: number;
}

export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = { maxResultLine: 1024, maxResultBody: 1024 * 1024 };

export type ProtocolEvent =
  | { kind: 'state'; from: ListenerStateName; to: ListenerStateName }
  /** a complete result body; the pool's result handler decides accept or reject */
  | { kind: 'result'; body: Buffer }
  /** the result line's length did not parse (4.2.5: `bad result line: '...'`) */
  | { kind: 'bad-result-line'; line: string }
  /** a protocol violation: `bytes` is what the listener wrote, and `hint` what it may have meant, for the log */
  | { kind: 'violation'; code: ViolationCode; bytes: Buffer; hint?: string };

export type ViolationCode =
  | 'SUP_ERR_LISTENER_NOT_READY' // something other than READY\n while ACKNOWLEDGED
  | 'SUP_ERR_LISTENER_UNSOLICITED' // bytes while READY (nothing was asked)
  | 'SUP_ERR_LISTENER_RESULT_LINE_TOO_LONG'
  | 'SUP_ERR_LISTENER_RESULT_TOO_LARGE';

export class ListenerProtocol {
  private stateName: ListenerStateName = 'ACKNOWLEDGED';
  private buffer: Buffer = Buffer.alloc(0);
  /** BUSY: the body length once the RESULT line was read */
  private pendingBody: number | null = null;
  /** the last result body, until READY follows it: bytes that are not READY then hint at a wrong RESULT length */
  private lastResult: Buffer | null = null;

  constructor(private readonly limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS) {}

  get state(): ListenerStateName {
    return this.stateName;
  }

  /** BUSY after a RESULT line: the length it announced and the body bytes read so far (the listener bench's diagnosis). */
  get pendingResult(): { length: number; received: Buffer } | null {
    return this.stateName === 'BUSY' && this.pendingBody !== null ? { length: this.pendingBody, received: Buffer.from(this.buffer) } : null;
  }

  /** A new spawn: back to ACKNOWLEDGED with nothing buffered. */
  reset(): void {
    this.buffer = Buffer.alloc(0);
    this.pendingBody = null;
    this.lastResult = null;
    this.stateName = 'ACKNOWLEDGED';
  }

  /**
   * The listener's stdout reached its end: nothing more can be read, so nothing more may be sent
   * (UNKNOWN until a new spawn resets it). What it wrote last without finishing is dropped with it.
   */
  outputClosed(): void {
    this.buffer = Buffer.alloc(0);
    this.pendingBody = null;
    this.stateName = 'UNKNOWN';
  }

  /** The pool wrote an event to this listener (only allowed while READY). */
  eventSent(): ProtocolEvent[] {
    if (this.stateName !== 'READY') throw new Error(`cannot send an event to a listener in state ${this.stateName}`);
    return [this.transition('BUSY')];
  }

  /** Bytes read from the listener's stdout; returns what they meant, in order. */
  feed(chunk: Buffer): ProtocolEvent[] {
    if (this.stateName === 'UNKNOWN') return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: ProtocolEvent[] = [];
    for (let progressed = true; progressed; ) progressed = this.step(out);
    return out;
  }

  private step(out: ProtocolEvent[]): boolean {
    switch (this.stateName) {
      case 'ACKNOWLEDGED': {
        // bytes that cannot begin READY\n are a violation at once: 4.2.5 waits for six bytes
        // first, forever when fewer come (as after a RESULT length longer than its body)
        const seen = Math.min(this.buffer.length, READY_TOKEN.length);
        if (!this.buffer.subarray(0, seen).equals(READY_TOKEN.subarray(0, seen))) {
          const hint = this.lastResult
            ? `after a result of ${this.lastResult.length} bytes (${JSON.stringify(this.lastResult.subarray(0, 200).toString('utf8'))}): was its RESULT length right?`
            : undefined;
          return this.violate(out, 'SUP_ERR_LISTENER_NOT_READY', this.buffer, hint);
        }
        if (seen < READY_TOKEN.length) return false;
        this.buffer = this.buffer.subarray(READY_TOKEN.length);
        this.lastResult = null;
        out.push(this.transition('READY'));
        return true;
      }
      case 'READY':
        return this.buffer.length > 0 && this.violate(out, 'SUP_ERR_LISTENER_UNSOLICITED');
      case 'BUSY':
        return this.pendingBody === null ? this.readResultLine(out) : this.readResultBody(out);
      case 'UNKNOWN':
        return false;
    }
  }

  private readResultLine(out: ProtocolEvent[]): boolean {
    const newline = this.buffer.indexOf(0x0a);
    // the line's length, not how much of it has arrived, decides: the same bytes in any chunking
    // mean the same
    const lineLength = newline < 0 ? this.buffer.length : newline;
    if (lineLength > this.limits.maxResultLine) return this.violate(out, 'SUP_ERR_LISTENER_RESULT_LINE_TOO_LONG');
    if (newline < 0) return false;
    const lineBytes = this.buffer.subarray(0, newline);
    const line = lineBytes.toString('utf8');
    this.buffer = this.buffer.subarray(newline + 1);
    // bytes, not characters, are skipped: a multi-byte character in the prefix must not shift it
    const length = resultLength(lineBytes);
    if (length === null) {
      out.push({ kind: 'bad-result-line', line });
      out.push(this.transition('UNKNOWN'));
      this.buffer = Buffer.alloc(0);
      return false;
    }
    if (length < 0 || length > this.limits.maxResultBody) {
      return this.violate(out, 'SUP_ERR_LISTENER_RESULT_TOO_LARGE', Buffer.from(lineBytes));
    }
    this.pendingBody = length;
    return true;
  }

  private readResultBody(out: ProtocolEvent[]): boolean {
    const length = this.pendingBody!;
    if (this.buffer.length < length) return false;
    const body = Buffer.from(this.buffer.subarray(0, length));
    this.buffer = this.buffer.subarray(length);
    this.pendingBody = null;
    this.lastResult = body;
    out.push({ kind: 'result', body });
    out.push(this.transition('ACKNOWLEDGED'));
    return true;
  }

  private violate(out: ProtocolEvent[], code: ViolationCode, bytes: Buffer = this.buffer, hint?: string): boolean {
    out.push(hint === undefined ? { kind: 'violation', code, bytes: Buffer.from(bytes) } : { kind: 'violation', code, bytes: Buffer.from(bytes), hint });
    out.push(this.transition('UNKNOWN'));
    this.buffer = Buffer.alloc(0);
    this.pendingBody = null;
    this.lastResult = null;
    return false;
  }

  private transition(to: ListenerStateName): ProtocolEvent {
    const from = this.stateName;
    this.stateName = to;
    return { kind: 'state', from, to };
  }
}
