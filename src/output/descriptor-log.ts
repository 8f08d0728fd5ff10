// A child log whose path is the daemon's own stdout or stderr (`stdout_logfile=/dev/stdout`, the
// container setup): its bytes go through that descriptor's OrderedWriter, with the main log and
// the other programs, and a line is handed on only once its newline came, so that no other writer
// lands inside it. A line still open is handed on when the channel says the pipe went quiet
// (flushPartial), when the pipe closes, or once it is longer than any line is held.
import { EventEmitter } from 'node:events';
import type { OrderedWriter } from './ordered-writer.js';

// A line longer than this goes out in pieces, like a program writing without newlines at all.
const MAX_HELD_BYTES = 1024 * 1024;

export class DescriptorLog extends EventEmitter {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private waiting = false;
  private readonly onDrain = (): void => {
    this.waiting = false;
    this.emit('drain');
  };

  constructor(
    readonly path: string,
    private readonly writer: OrderedWriter,
  ) {
    super();
  }

  /** bytes of an unfinished line, waiting for its newline */
  get holdsPartial(): boolean {
    return this.heldBytes > 0;
  }

  /** Takes a chunk valid during the call only (OutputSink); false while the descriptor is behind. */
  write(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    const end = chunk.lastIndexOf(10) + 1;
    if (end > 0) {
      const lines = chunk.subarray(0, end);
      this.writer.write(this.heldBytes > 0 ? Buffer.concat([...this.held, lines]) : lines);
      this.held = [];
      this.heldBytes = 0;
    }
    if (end < chunk.length) {
      this.held.push(Buffer.from(chunk.subarray(end)));
      this.heldBytes += chunk.length - end;
      if (this.heldBytes > MAX_HELD_BYTES) this.flushPartial();
    }
    if (this.waiting) return false;
    if (!this.writer.mustWait()) return true;
    this.waiting = true;
    this.writer.once('drain', this.onDrain);
    return false;
  }

  /** Hands on the unfinished line as it is (the pipe went quiet or closed). */
  flushPartial(): void {
    if (this.heldBytes === 0) return;
    this.writer.write(Buffer.concat(this.held, this.heldBytes));
    this.held = [];
    this.heldBytes = 0;
  }

  /** nothing to reopen: the descriptor is the daemon's */
  async reopen(): Promise<void> {}

  /** a stream cannot be emptied (4.2.5 would unlink /dev/stdout) */
  async clear(): Promise<void> {}

  /** What is held goes to the writer; its backlog is written at the daemon's exit (drainDaemonOutput), not waited for here. */
  async close(): Promise<void> {
    this.flushPartial();
    this.writer.off('drain', this.onDrain);
    this.waiting = false;
  }
}
