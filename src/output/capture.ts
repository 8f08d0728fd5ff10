// 4.2.5's capture mode (events.md section 7): output between <!--XSUPERVISOR:BEGIN--> and
// <!--XSUPERVISOR:END--> is kept out of the log and becomes one PROCESS_COMMUNICATION payload.

export const BEGIN_TOKEN = Buffer.from('<!--XSUPERVISOR:BEGIN-->');
export const END_TOKEN = Buffer.from('<!--XSUPERVISOR:END-->');

export interface CaptureSinks {
  /** bytes outside the tokens (the normal log) or, with `captured`, bytes inside them */
  log: (data: Buffer, captured: boolean) => void;
  /** the bytes between one BEGIN and its END */
  communication: (data: Buffer) => void;
}

/** Length of the longest proper prefix of `token` that `data` ends with (4.2.5's find_prefix_at_end). */
function prefixAtEnd(data: Buffer, token: Buffer): number {
  for (let n = Math.min(token.length - 1, data.length); n > 0; n--) {
    if (data.subarray(data.length - n).equals(token.subarray(0, n))) return n;
  }
  return 0;
}

/**
 * 4.2.5's record_output/toggle_capturemode, byte for byte, with one fix: what is still held when
 * the stream ends or goes quiet is logged instead of held back or lost (a final line of up to 24
 * bytes vanished in 4.2.5).
 */
export class CaptureSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private capturing = false;
  /** 4.2.5's BoundIO: bounded approximately, as it is */
  private captured: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxBytes: number,
    private readonly sinks: CaptureSinks,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.record();
  }

  /** normal-mode output is held back, as a possible start of a token or too short to tell */
  get holdsPartial(): boolean {
    return !this.capturing && this.buffer.length > 0;
  }

  /**
   * The pipe went quiet: normal-mode output still held is logged (4.2.5 holds it until more output
   * comes, so a program's last short line after an END token never reached the log while it ran).
   * A token whose first bytes were flushed this way is no longer recognised. Held bytes of a
   * capture stay: they may be the start of its END token.
   */
  flushPartial(): void {
    if (!this.holdsPartial) return;
    const held = this.buffer;
    this.buffer = Buffer.alloc(0);
    this.sinks.log(held, false);
  }

  /** The stream ended: log what normal-mode output is still held; an unfinished capture is dropped. */
  end(): void {
    this.flushPartial();
    this.buffer = Buffer.alloc(0);
  }

  private record(): void {
    for (;;) {
      const token = this.capturing ? END_TOKEN : BEGIN_TOKEN;
      if (this.buffer.length <= token.length) return;
      const data = this.buffer;
      const at = data.indexOf(token);
      if (at === -1) {
        const keep = prefixAtEnd(data, token);
        this.buffer = data.subarray(data.length - keep);
        this.log(data.subarray(0, data.length - keep));
        return;
      }
      this.log(data.subarray(0, at));
      this.toggle();
      this.buffer = data.subarray(at + token.length);
      if (this.buffer.length === 0) return;
    }
  }

  private log(data: Buffer): void {
    if (data.length === 0) return;
    if (this.capturing) {
      // BoundIO.write: over the bound, drop as many leading bytes as the new chunk has
      const kept = this.captured.length + data.length > this.maxBytes ? this.captured.subarray(data.length) : this.captured;
      this.captured = Buffer.concat([kept, data]);
    }
    this.sinks.log(data, this.capturing);
  }

  private toggle(): void {
    this.capturing = !this.capturing;
    if (this.capturing) return;
    const payload = this.captured;
    this.captured = Buffer.alloc(0);
    this.sinks.communication(payload);
  }
}
