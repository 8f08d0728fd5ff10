// Cuts a channel's byte stream into whole lines for the consumers that want lines (PROCESS_LOG
// events, plugins, syslog). Only built when a consumer exists: the plain file path never frames.

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
  emit: (lines: OutputLine[]) => void;
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
 * Whole lines out of a stream of chunks. An unfinished line is held until its newline comes, or
 * until the owner calls flushPartial() (the channel does once the pipe has been quiet for a while
 * with nothing left unread in it), or end().
 */
export class LineFramer {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private heldSince = 0;

  constructor(private readonly options: LineFramerOptions) {}

  push(chunk: Buffer, time: number): void {
    const lines: OutputLine[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.hold(chunk.subarray(start, newline), time, lines);
      this.release(lines, undefined);
      start = newline + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start), time, lines);
    if (lines.length > 0) this.options.emit(lines);
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
    this.options.emit(lines);
  }
}
