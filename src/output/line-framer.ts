// Cuts a channel's byte stream into whole lines for the consumers that want lines (PROCESS_LOG
// events, plugins, syslog). Only built when a consumer exists: the plain file path never frames.

import { lineBodyBlocks, type BodyLease } from './body-blocks.js';

export type OutputStream = 'stdout' | 'stderr';

/** One line of a child's output. */
export interface OutputLine {
  stream: OutputStream;
  /** the line without its newline, decoded as UTF-8 (invalid bytes become U+FFFD) */
  readonly text: string;
  /** the line's bytes without its newline, as read (a view of the chunk: not to be kept beyond the line) */
  readonly bytes: Buffer;
  /** capture time of the line's first byte, epoch milliseconds */
  time: number;
  /**
   * 'split': the line was longer than the cap and continues in the next line;
   * 'partial': no newline came while the pipe stayed quiet for the flush delay, or the stream ended;
   * later bytes start a new line.
   */
  cut?: 'split' | 'partial';
}

export interface LineFramerOptions {
  stream: OutputStream;
  /** a line longer than this is cut into pieces of this many bytes */
  maxLineBytes: number;
  /** receives the lines of each chunk as one batch */
  emit: (batch: LineBatch) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;

/**
 * Where to cut `bytes` so that the first piece has at most `limit` bytes without ending inside a
 * UTF-8 character: cut through one, both halves would decode to U+FFFD and the text would not
 * join back. Bytes that are not valid UTF-8 are cut at `limit`.
 */
export function characterBoundary(bytes: Buffer, limit: number): number {
  if (limit >= bytes.length) return bytes.length;
  // step back over at most 3 continuation bytes (10xxxxxx) to the character's first byte
  let start = limit;
  while (start > limit - 3 && start > 0 && (bytes[start]! & 0xc0) === 0x80) start -= 1;
  if (start === limit || (bytes[start]! & 0xc0) === 0x80) return limit;
  const lead = bytes[start]!;
  const length = lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + length > limit ? start : limit;
}
/**
 * A line whose text is decoded only when asked: PROCESS_LOG to a listener pool goes from the
 * bytes to the envelope (docs/decisions/0021), and most lines are never needed as text.
 */
class FramedLine implements OutputLine {
  private decoded: string | undefined;
  readonly cut?: 'split' | 'partial';
  constructor(
    readonly stream: OutputStream,
    readonly bytes: Buffer,
    readonly time: number,
    cut: OutputLine['cut'],
  ) {
    if (cut) this.cut = cut;
  }
  get text(): string {
    return (this.decoded ??= this.bytes.toString('utf8'));
  }
}

/**
 * The lines of one chunk. Where every line is whole (the usual case), they are kept as one body,
 * the bytes as the child wrote them with their newlines, and cut into line objects only if a
 * consumer asks for `lines`: a listener pool takes the body as it is (docs/decisions/0021), and a
 * firehose then makes no object per line.
 */
export class LineBatch {
  private cutLines: OutputLine[] | undefined;
  private constructor(
    readonly stream: OutputStream,
    /** capture time of the first line's first byte */
    readonly time: number,
    private readonly bodyBytes: Buffer | null,
    /** how many lines */
    readonly count: number,
    lines: OutputLine[] | undefined,
    /** capture time of the lines after the first (all read in one chunk) */
    private readonly restTime: number,
    /** the body's memory is recycled once every holder let go (body-blocks.ts); null: plain memory */
    private readonly lease: BodyLease | null,
  ) {
    this.cutLines = lines;
  }

  static ofBody(stream: OutputStream, body: Buffer, count: number, firstTime: number, restTime: number, lease: BodyLease | null = null): LineBatch {
    return new LineBatch(stream, firstTime, body, count, undefined, restTime, lease);
  }

  static ofLines(stream: OutputStream, lines: OutputLine[]): LineBatch {
    const whole = !lines.some((l) => l.cut);
    const body = whole ? joinLines(lines.map((l) => l.bytes)) : null;
    return new LineBatch(stream, lines[0]!.time, body, lines.length, lines, 0, null);
  }

  /**
   * The lines, each with its newline, when none is cut; null otherwise. Whoever reads it may keep
   * it, so its memory is never recycled.
   */
  get body(): Buffer | null {
    this.lease?.pin();
    return this.bodyBytes;
  }

  /**
   * The body for a holder that counts its hold: valid during the batch's delivery; to keep it
   * longer, retain `lease` (when not null) and release it when done (docs/decisions/0021).
   */
  leasedBody(): { body: Buffer; lease: BodyLease | null } | null {
    this.lease?.check();
    return this.bodyBytes && { body: this.bodyBytes, lease: this.lease };
  }

  /** the lines as objects, cut out of the body on first use (views of it, so it is never recycled) */
  get lines(): OutputLine[] {
    if (this.cutLines) return this.cutLines;
    this.lease?.pin();
    const body = this.bodyBytes!;
    const lines: OutputLine[] = [];
    let start = 0;
    for (let newline = body.indexOf(10); newline !== -1; newline = body.indexOf(10, start)) {
      lines.push(new FramedLine(this.stream, body.subarray(start, newline), lines.length === 0 ? this.time : this.restTime, undefined));
      start = newline + 1;
    }
    return (this.cutLines = lines);
  }

  /** per line, how it was cut (null = whole), or null when none is */
  get cuts(): ('split' | 'partial' | null)[] | null {
    return this.bodyBytes ? null : this.lines.map((l) => l.cut ?? null);
  }
}

/**
 * Lines (each without its newline) as one buffer, each followed by its newline. Lines framed
 * from one read are consecutive views of the same buffer, one newline apart: a run of them is
 * one view, newlines included.
 */
export function joinLines(lines: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  let memory: ArrayBufferLike | null = null;
  let runStart = 0;
  let runEnd = 0;
  const newlineAt = (at: number): boolean => at < memory!.byteLength && new Uint8Array(memory!, at, 1)[0] === 10;
  const flush = (): void => {
    if (memory === null) return;
    if (newlineAt(runEnd)) parts.push(Buffer.from(memory, runStart, runEnd - runStart + 1));
    else parts.push(Buffer.from(memory, runStart, runEnd - runStart), NEWLINE);
  };
  for (const line of lines) {
    if (memory !== null && line.buffer === memory && line.byteOffset === runEnd + 1 && newlineAt(runEnd)) {
      runEnd = line.byteOffset + line.length;
      continue;
    }
    flush();
    memory = line.buffer;
    runStart = line.byteOffset;
    runEnd = line.byteOffset + line.length;
  }
  flush();
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

const NEWLINE = Buffer.from('\n');

/**
 * Whole lines out of a stream of chunks. An unfinished line is held until its newline comes, or
 * until the owner calls flushPartial() (the channel does once the pipe has been quiet for a while
 * with nothing left unread in it), or end(). A chunk is valid only during push(): what is kept is
 * copied.
 */
export class LineFramer {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private heldSince = 0;

  constructor(private readonly options: LineFramerOptions) {}

  /** Returns the newlines in the chunk (counted on the way: the output counters need not search again). */
  push(chunk: Buffer, time: number): number {
    const newlines = this.pushBody(chunk, time);
    return newlines >= 0 ? newlines : this.pushLines(Buffer.from(chunk), time);
  }

  /**
   * The usual case: no line of the chunk is longer than the cap. The whole lines become one body
   * (what is held, then the chunk up to its last newline: one copy, no object per line), the
   * rest is held. Returns the newlines, or -1 when some line needs cutting: the caller frames line
   * by line.
   */
  private pushBody(chunk: Buffer, time: number): number {
    const max = this.options.maxLineBytes;
    if (chunk.length === 0) return 0;
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      if (this.heldBytes + chunk.length > max) return -1;
      this.keep(Buffer.from(chunk), time);
      return 0;
    }
    if (chunk.length - last - 1 > max) return -1;
    let count = 0;
    if (this.heldBytes + chunk.length > max) {
      // some line may be too long: measure them (a native search per line, no object)
      let start = 0;
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
        if (newline - start + (count === 0 ? this.heldBytes : 0) > max) return -1;
        count += 1;
        start = newline + 1;
      }
    } else {
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, newline + 1)) count += 1;
    }
    // recycled memory where the body is large (body-blocks.ts): the framer holds one reference
    // while the batch is delivered, and whoever keeps the body takes its own
    const taken = lineBodyBlocks.take(this.heldBytes + last + 1);
    const body = taken ? taken.body : Buffer.allocUnsafe(this.heldBytes + last + 1);
    let at = 0;
    for (const part of this.held) at += part.copy(body, at);
    chunk.copy(body, at, 0, last + 1);
    const firstTime = this.heldBytes > 0 ? this.heldSince : time;
    this.held = [];
    this.heldBytes = 0;
    if (last + 1 < chunk.length) this.keep(Buffer.from(chunk.subarray(last + 1)), time);
    try {
      this.options.emit(LineBatch.ofBody(this.options.stream, body, count, firstTime, time, taken?.lease ?? null));
    } finally {
      taken?.lease.release();
    }
    return count;
  }

  private keep(bytes: Buffer, time: number): void {
    if (this.heldBytes === 0) this.heldSince = time;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
  }

  /** Line by line, cutting those longer than the cap; `chunk` is owned. Returns the newlines. */
  private pushLines(chunk: Buffer, time: number): number {
    const lines: OutputLine[] = [];
    let newlines = 0;
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.hold(chunk.subarray(start, newline), time, lines);
      this.release(lines, undefined);
      newlines++;
      start = newline + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start), time, lines);
    if (lines.length > 0) this.options.emit(LineBatch.ofLines(this.options.stream, lines));
    return newlines;
  }
  /** bytes of an unfinished line are held */
  get holdsPartial(): boolean {
    return this.heldBytes > 0;
  }

  /** The stream ended: an unfinished line goes out as it is. */
  end(): void {
    this.flushPartial();
  }

  private hold(bytes: Buffer, time: number, lines: OutputLine[]): void {
    if (this.heldBytes === 0) this.heldSince = time;
    let rest = bytes;
    while (this.heldBytes + rest.length > this.options.maxLineBytes) {
      const room = this.options.maxLineBytes - this.heldBytes;
      let cut = characterBoundary(rest, room);
      // a character that does not fit behind what is held goes whole into the next piece
      if (cut === 0 && this.heldBytes === 0) cut = room;
      this.held.push(rest.subarray(0, cut));
      this.heldBytes += cut;
      rest = rest.subarray(cut);
      this.release(lines, 'split');
      this.heldSince = time;
    }
    if (rest.length > 0) {
      this.held.push(rest);
      this.heldBytes += rest.length;
    }
  }

  private release(lines: OutputLine[], cut: OutputLine['cut']): void {
    const bytes = this.held.length === 1 ? (this.held[0] as Buffer) : Buffer.concat(this.held, this.heldBytes);
    lines.push(new FramedLine(this.options.stream, bytes, this.heldSince, cut));
    this.held = [];
    this.heldBytes = 0;
  }

  /** The unfinished line goes out as it is, marked 'partial'; later bytes start a new line. */
  flushPartial(): void {
    if (this.heldBytes === 0) return;
    const lines: OutputLine[] = [];
    this.release(lines, 'partial');
    this.options.emit(LineBatch.ofLines(this.options.stream, lines));
  }
}
