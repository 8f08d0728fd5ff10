// Gzips rotated log copies off the capture path: the writer renames and moves on, and the copy is
// compressed by a zlib stream (libuv's thread pool) while the child keeps writing.
//
// Output can be faster than gzip. The queue is then bounded by `backups`: a copy that rotations
// push past it is removed by the rotation itself (as 4.2.5 removes the oldest), so its job is
// dropped, and the one being compressed is aborted and its descriptor closed. A waiting copy holds
// no descriptor (it is opened when its turn comes), so a deleted copy is never kept open.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

interface Job {
  /** the copy's current number: file.<index>, moved up by each later rotation */
  index: number;
}

interface Running {
  job: Job;
  /** stops the zlib pipeline and closes the copy's descriptor once rotation removed the copy */
  abort: AbortController;
}

export type CompressorReportLevel = 'warn' | 'info';

/**
 * One queue per log file; jobs run one at a time in rotation order. When a job ends, its copy
 * file.<index> becomes file.<index>.gz, or is dropped if rotations pushed it past `backups`.
 */
export class RotatedCopyCompressor {
  private readonly waiting: Job[] = [];
  private current: Running | null = null;
  private running: Promise<void> | null = null;
  /** copies removed by rotation before gzip reached them, in the current episode of falling behind */
  private skipped = 0;

  constructor(
    private readonly file: string,
    private readonly backups: number,
    private readonly report: (level: CompressorReportLevel, message: string) => void,
  ) {}

  /** Call right after shiftBackups: every waiting copy moved up by one, and file.1 is new. */
  rotated(): void {
    if (this.current !== null) {
      this.current.job.index += 1;
      if (this.current.job.index > this.backups) {
        const aborted = this.current;
        this.current = null;
        this.skip(() => aborted.abort.abort());
      }
    }
    for (const job of this.waiting) job.index += 1;
    while (this.waiting.length > 0 && (this.waiting[0] as Job).index > this.backups) this.skip(() => this.waiting.shift());
    this.waiting.push({ index: 1 });
    this.running ??= this.drain();
  }

  /** Resolves once every copy queued so far is compressed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private skip(drop: () => void): void {
    drop();
    if (this.skipped++ === 0) {
      this.report(
        'warn',
        `gzip falls behind the output of ${this.file}: rotated copies pushed past backups=${this.backups} before they are compressed are removed uncompressed`,
      );
    }
  }

  private async drain(): Promise<void> {
    for (let job = this.waiting.shift(); job !== undefined; job = this.waiting.shift()) {
      const abort = new AbortController();
      this.current = { job, abort };
      await this.compress(job, abort.signal);
      this.current = null;
    }
    if (this.skipped > 0) {
      this.report('info', `gzip caught up with ${this.file} (${this.skipped} rotated copies were removed before they were compressed)`);
      this.skipped = 0;
    }
    this.running = null;
  }

  private async compress(job: Job, signal: AbortSignal): Promise<void> {
    const partial = `${this.file}.gz-partial`;
    let fd: number;
    try {
      fd = fs.openSync(`${this.file}.${job.index}`, 'r');
    } catch (err) {
      this.report('warn', `cannot compress ${this.file}.${job.index}: ${(err as Error).message}`);
      return;
    }
    try {
      // the read stream owns fd: it is closed when the pipeline ends, fails or is aborted
      await pipeline(fs.createReadStream('', { fd }), zlib.createGzip(), fs.createWriteStream(partial), { signal });
      if (job.index > this.backups) {
        fs.rmSync(partial, { force: true });
        return;
      }
      fs.renameSync(partial, `${this.file}.${job.index}.gz`);
      fs.rmSync(`${this.file}.${job.index}`, { force: true });
    } catch (err) {
      fs.rmSync(partial, { force: true });
      // aborted: rotation removed the copy, which skip() has said
      if (signal.aborted) return;
      // the plain copy stays where it is: nothing is lost, it is only not compressed
      this.report('warn', `cannot compress ${this.file}.${job.index}: ${(err as Error).message}`);
    }
  }
}
