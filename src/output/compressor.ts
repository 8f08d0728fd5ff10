// Gzips rotated log copies off the capture path: the writer renames and moves on, and the copy is
// compressed by a zlib stream (libuv's thread pool) while the child keeps writing.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

interface Job {
  /** the copy's current number: file.<index>, moved up by each later rotation */
  index: number;
  /** opened at rotation time, so later renames cannot make us read the wrong file */
  fd: number;
}

/**
 * One queue per log file; jobs run one at a time in rotation order. When a job ends, its copy
 * file.<index> becomes file.<index>.gz, or is dropped if rotations pushed it past `backups`.
 */
export class RotatedCopyCompressor {
  private readonly jobs: Job[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly backups: number,
    private readonly report: (message: string) => void,
  ) {}

  /** Call right after shiftBackups: every waiting copy moved up by one, and file.1 is new. */
  rotated(): void {
    for (const job of this.jobs) job.index += 1;
    let fd: number;
    try {
      fd = fs.openSync(`${this.file}.1`, 'r');
    } catch (err) {
      this.report(`cannot compress ${this.file}.1: ${(err as Error).message}`);
      return;
    }
    this.jobs.push({ index: 1, fd });
    this.running ??= this.drain();
  }

  /** Resolves once every copy queued so far is compressed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let job = this.jobs[0]; job !== undefined; job = this.jobs[0]) {
      await this.compress(job);
      this.jobs.shift();
    }
    this.running = null;
  }

  private async compress(job: Job): Promise<void> {
    const partial = `${this.file}.gz-partial`;
    try {
      await pipeline(fs.createReadStream('', { fd: job.fd }), zlib.createGzip(), fs.createWriteStream(partial));
      if (job.index > this.backups) {
        fs.rmSync(partial, { force: true });
        return;
      }
      fs.renameSync(partial, `${this.file}.${job.index}.gz`);
      fs.rmSync(`${this.file}.${job.index}`, { force: true });
    } catch (err) {
      // the plain copy stays where it is: nothing is lost, it is only not compressed
      this.report(`cannot compress ${this.file}.${job.index}: ${(err as Error).message}`);
      fs.rmSync(partial, { force: true });
    }
  }
}
