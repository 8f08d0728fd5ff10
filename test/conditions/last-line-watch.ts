// The end condition of a run, read from a growing file: how often each program's last line is
// there, whole (its start "NAME SEQ " on a line that has ended), one per consumer of that program
// writing to the file.
import fs from 'node:fs';
import path from 'node:path';

export class LastLineWatch {
  private offset = 0;
  /** the unfinished last line of what was read: scanned once its newline comes */
  private carry = '';
  private readonly seen = new Map<string, number>();

  constructor(
    readonly file: string,
    /** needle -> how many times it should be there */
    private readonly wanted: ReadonlyMap<string, number>,
  ) {}

  /** Reads what was added; true once every needle was seen as often as wanted. */
  poll(): boolean {
    let buffer: Buffer;
    try {
      const size = fs.statSync(this.file).size;
      if (size <= this.offset) return this.done();
      buffer = Buffer.alloc(size - this.offset);
      const fd = fs.openSync(this.file, 'r');
      try {
        fs.readSync(fd, buffer, 0, buffer.length, this.offset);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return false; // not created yet
    }
    this.offset += buffer.length;
    // latin1: a char per byte, so that a character cut between two reads cannot hide a needle
    const text = this.carry + buffer.toString('latin1');
    const end = text.lastIndexOf('\n') + 1;
    this.carry = text.slice(end);
    for (const needle of this.wanted.keys()) {
      let n = 0;
      for (let at = text.indexOf(needle); at >= 0 && at < end; at = text.indexOf(needle, at + 1)) n++;
      this.seen.set(needle, (this.seen.get(needle) ?? 0) + n);
    }
    return this.done();
  }

  /** What is still awaited, for the timeout's message. */
  missing(): string[] {
    return [...this.wanted]
      .filter(([needle, n]) => (this.seen.get(needle) ?? 0) < n)
      .map(([needle, n]) => `${path.basename(this.file)}: ${JSON.stringify(needle)} seen ${this.seen.get(needle) ?? 0} of ${n} times`);
  }

  private done(): boolean {
    return this.missing().length === 0;
  }
}
