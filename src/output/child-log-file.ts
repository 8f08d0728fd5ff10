// A child's stdout or stderr log file: chunks are appended as they come, with no per-line work,
// rotated by byte count as 4.2.5's RotatingFileHandler does, and (beyond 4.2.5) at the turn of
// each local hour or day.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { consumeFront } from './chunk-queue.js';
import { RotatedCopyCompressor } from './compressor.js';
import type { LogTarget } from './log-target.js';
import { announceNewLogFile } from './new-file-events.js';
import { shiftBackups } from './rotation.js';
import { nextBoundary, periodStart, systemClock, type Clock, type RotationPeriod } from './time-rotation.js';

/** Bytes queued for the disk above which write() asks the reader to pause (the child's pipe then fills). */
export const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

// One writev takes at most this many queued chunks (IOV_MAX) and bytes: a chatty child's small
// chunks go to the disk in few calls, and one call never holds the loop or a pool thread long.
const MAX_CHUNKS_PER_WRITE = 1024;
const MAX_BYTES_PER_WRITE = 1024 * 1024;
// How soon a file that could not be opened (removed directory, full disk) is tried again.
const REOPEN_RETRY_MS = 1000;
// A pipe opened non-blocking by someone else answers EAGAIN when full: try again this soon.
const EAGAIN_RETRY_MS = 10;

// The daemon's own descriptors by name: a socket behind them cannot be opened again (ENXIO), so it is written directly.
const OWN_DESCRIPTOR = /^\/(?:dev\/(?:fd\/(\d+)|(stdout)|(stderr))|proc\/self\/fd\/(\d+))$/;

function ownDescriptor(path: string): number | null {
  const match = OWN_DESCRIPTOR.exec(path);
  if (!match) return null;
  if (match[2]) return 1;
  if (match[3]) return 2;
  return Number(match[1] ?? match[4]);
}

export type LogReportLevel = 'error' | 'warn' | 'info';

export interface ChildLogFileOptions {
  /** rotate once the file reaches this size; 0 = never (4.2.5's *_logfile_maxbytes) */
  maxBytes?: number;
  /** rotated copies kept (4.2.5's *_logfile_backups) */
  backups?: number;
  /** gzip rotated copies to file.<n>.gz, off the capture path */
  compress?: boolean;
  /**
   * Also rotate at the turn of each local day or hour (*_logfile_rotate); an empty file is left
   * as it is. A file last written in an earlier period is rotated when it is opened.
   */
  rotateEvery?: RotationPeriod | null;
  /** the clock of rotateEvery; default the system clock */
  clock?: Clock;
  /** default DEFAULT_HIGH_WATER_MARK */
  highWaterMark?: number;
  /**
   * Told about trouble once per episode (a failed write or open; the bytes are dropped and the
   * daemon goes on), about its end, and about settings that cannot apply to this target.
   */
  report?: (level: LogReportLevel, message: string) => void;
}

/**
 * Appends chunks to one file through a queue, written at once to a regular file and by
 * asynchronous writes to a pipe or terminal (which can block). write() returns false
 * once more than highWaterMark bytes wait, and 'drain' is emitted when the queue is empty again:
 * the same contract as a Writable, so readers can apply back-pressure. Writes are batched (writev)
 * but never across the byte that makes the file reach maxBytes, so rotation happens at the same
 * chunk boundary as in 4.2.5, which checks the size after every chunk.
 */
export class ChildLogFile extends EventEmitter implements LogTarget {
  private fd: number | null = null;
  /** the fd is the daemon's own stdout/stderr/fd N, used as is and never closed by us */
  private borrowed = false;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private needDrain = false;
  private closed = false;
  private currentSize = 0;
  /** false for terminals, pipes and other files that cannot be renamed and reopened empty */
  private rotatable = true;
  private failing = false;
  private droppedBytes = 0;
  /** rotating failed (a directory we cannot write): the file is appended to and grows until it works */
  private rotationFailing = false;
  private nextRotationAttempt = 0;
  private nextOpenAttempt = 0;
  private readonly maxBytes: number;
  private readonly backups: number;
  private readonly highWaterMark: number;
  private readonly report: (level: LogReportLevel, message: string) => void;
  private readonly compressor: RotatedCopyCompressor | null;
  private readonly rotateEvery: RotationPeriod | null;
  private readonly clock: Clock;
  /** epoch ms of the next time rotation; Infinity without rotateEvery */
  private nextTimeRotation = Infinity;
  private cancelTimeRotation: () => void = () => {};

  constructor(
    readonly path: string,
    options: ChildLogFileOptions = {},
  ) {
    super();
    this.maxBytes = options.maxBytes ?? 0;
    this.backups = options.backups ?? 0;
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.report = options.report ?? (() => {});
    this.compressor =
      options.compress && this.backups > 0
        ? new RotatedCopyCompressor(path, this.backups, (level, message) => this.report(level, message))
        : null;
    this.rotateEvery = options.rotateEvery ?? null;
    this.clock = options.clock ?? systemClock;
    this.open('a');
    if (!this.rotatable && this.fd !== null && (this.maxBytes > 0 || this.rotateEvery !== null)) {
      this.report('info', `${path} is not a regular file: it is written as is, without rotation (maxbytes and rotate do not apply)`);
    }
    if (this.rotateEvery !== null && this.rotatable) this.startTimeRotation();
  }

  /** bytes in the file, as far as this writer knows */
  get size(): number {
    return this.currentSize;
  }

  /** a file of its own: nobody else's writes can land inside a line, so nothing is held */
  readonly holdsPartial = false;

  flushPartial(): void {}

  /** bytes accepted but not yet on disk */
  get pending(): number {
    return this.queuedBytes;
  }

  /** Takes a chunk valid during the call only (OutputSink): what waits in the queue is a copy. */
  write(chunk: Buffer): boolean {
    if (this.closed || chunk.length === 0) return true;
    const inPlace = this.rotatable && this.fd !== null && !this.writing && this.queue.length === 0;
    this.queue.push(inPlace ? chunk : Buffer.from(chunk));
    this.queuedBytes += chunk.length;
    this.pump();
    // written in part (or an EAGAIN to retry): the rest of the caller's chunk outlives the call
    if (inPlace && this.queue.length > 0) this.queue[0] = Buffer.from(this.queue[0] as Buffer);
    if (this.queuedBytes > this.highWaterMark) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Resolves once everything accepted so far is on disk. */
  flush(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.once('idle', resolve));
  }

  /** Resolves once every rotated copy queued for compression so far is compressed. */
  async compressed(): Promise<void> {
    await this.compressor?.idle();
  }

  /** Close and open the path again (SIGUSR2, after logrotate moved the file away). */
  async reopen(): Promise<void> {
    await this.flush();
    this.closeFd();
    this.open('a');
    announceNewLogFile(this.path);
  }

  /** Empty the file (4.2.5's clearProcessLogs): bytes queued before the call are written first. */
  async clear(): Promise<void> {
    await this.flush();
    if (this.fd === null || !this.rotatable) return;
    fs.ftruncateSync(this.fd, 0);
    this.currentSize = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.cancelTimeRotation();
    this.closeFd();
    await this.compressed();
  }

  private open(mode: 'a' | 'truncate'): void {
    const flags =
      mode === 'a'
        ? fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND
        : fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_TRUNC;
    try {
      this.fd = this.openDescriptor(flags);
      const stat = fs.fstatSync(this.fd);
      this.rotatable = stat.isFile();
      this.currentSize = this.rotatable ? stat.size : 0;
    } catch (err) {
      this.fd = null;
      this.nextOpenAttempt = Date.now() + REOPEN_RETRY_MS;
      this.fail(`cannot open ${this.path}: ${(err as Error).message}`);
    }
  }

  private openDescriptor(flags: number): number {
    this.borrowed = false;
    try {
      return fs.openSync(this.path, flags, 0o666);
    } catch (err) {
      const own = ownDescriptor(this.path);
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || own === null) throw err;
      fs.fstatSync(own);
      this.borrowed = true;
      return own;
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    if (this.borrowed) {
      this.fd = null;
      return;
    }
    try {
      fs.closeSync(this.fd);
    } catch (err) {
      this.fail(`cannot close ${this.path}: ${(err as Error).message}`);
    }
    this.fd = null;
  }

  /** Say it once per episode; the end of the episode is said by succeeded(). */
  private fail(message: string): void {
    if (this.failing) return;
    this.failing = true;
    this.report('error', `${message}; output is dropped until it works again`);
  }

  private succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.report('info', `writing ${this.path} again (${this.droppedBytes} bytes of output were dropped)`);
    this.droppedBytes = 0;
  }

  private pump(): void {
    if (this.writing) return;
    if (this.queue.length === 0) {
      this.emit('idle');
      if (this.needDrain) {
        this.needDrain = false;
        this.emit('drain');
      }
      return;
    }
    // before the batch: bytes that come after the boundary belong to the new file, even when the wake-up is late
    if (this.nextTimeRotation !== Infinity && this.clock.now() >= this.nextTimeRotation) this.rotateOnTime();
    if (this.fd === null && Date.now() >= this.nextOpenAttempt) this.open('a');
    if (this.fd === null) {
      // nowhere to write: drop what waits, as a full disk would
      this.droppedBytes += this.queuedBytes;
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.pump();
      return;
    }
    const batch = this.nextBatch();
    if (this.rotatable) {
      // A regular file takes the bytes into the page cache at once (4.2.5 writes it in place too):
      // writing here saves a round trip through the thread pool per batch, which dominated the
      // cost of many small lines. Pipes and terminals can block, so they stay asynchronous.
      let written = 0;
      let error: NodeJS.ErrnoException | null = null;
      try {
        written = fs.writevSync(this.fd, batch.chunks);
      } catch (err) {
        error = err as NodeJS.ErrnoException;
      }
      this.written(batch.bytes, error, written);
      return;
    }
    this.writing = true;
    fs.writev(this.fd, batch.chunks, null, (err, written) => this.written(batch.bytes, err, written));
  }

  private nextBatch(): { chunks: Buffer[]; bytes: number } {
    const untilRotation = this.rotatable && this.maxBytes > 0 ? this.maxBytes - this.currentSize : Infinity;
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (const chunk of this.queue) {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= untilRotation || bytes >= MAX_BYTES_PER_WRITE || chunks.length === MAX_CHUNKS_PER_WRITE) break;
    }
    return { chunks, bytes };
  }

  private written(batchBytes: number, err: NodeJS.ErrnoException | null, written: number): void {
    this.writing = false;
    if (err?.code === 'EAGAIN') {
      setTimeout(() => this.pump(), EAGAIN_RETRY_MS);
      return;
    }
    if (err) {
      this.fail(`cannot write ${this.path}: ${err.message}`);
      this.droppedBytes += batchBytes;
      this.consume(batchBytes);
    } else {
      this.succeeded();
      this.currentSize += written;
      this.consume(written);
      if (this.rotatable && this.maxBytes > 0 && this.currentSize >= this.maxBytes) this.rollover();
    }
    this.pump();
  }

  /** Removes `bytes` from the front of the queue, splitting a chunk written in part. */
  private consume(bytes: number): void {
    this.queuedBytes -= bytes;
    consumeFront(this.queue, bytes);
  }

  /** A file last written before the current period began is rotated now; then the first wake-up is set. */
  private startTimeRotation(): void {
    const period = this.rotateEvery as RotationPeriod;
    if (this.fd !== null && this.currentSize > 0 && fs.fstatSync(this.fd).mtimeMs < periodStart(this.clock.now(), period)) this.rollover();
    this.armTimeRotation();
  }

  private armTimeRotation(): void {
    this.cancelTimeRotation();
    this.nextTimeRotation = nextBoundary(this.clock.now(), this.rotateEvery as RotationPeriod);
    this.cancelTimeRotation = this.clock.at(this.nextTimeRotation, () => {
      if (this.closed) return;
      // a wake-up before the boundary (the clock was set back): wait again for the same boundary
      if (this.clock.now() < this.nextTimeRotation) this.armTimeRotation();
      // writes to a regular file are synchronous: nothing is half written here
      else if (!this.writing) this.rotateOnTime();
    });
  }

  private rotateOnTime(): void {
    if (this.fd !== null && this.rotatable && this.currentSize > 0) this.rollover();
    this.armTimeRotation();
  }

  private rollover(): void {
    if (Date.now() < this.nextRotationAttempt) return;
    this.closeFd();
    try {
      shiftBackups(this.path, this.backups);
      if (this.backups > 0) this.compressor?.rotated();
    } catch (err) {
      // truncating now would destroy the bytes that could not be moved to .1: keep appending
      this.nextRotationAttempt = Date.now() + REOPEN_RETRY_MS;
      if (!this.rotationFailing) {
        this.rotationFailing = true;
        this.report('error', `cannot rotate ${this.path}: ${(err as Error).message}; it keeps growing, unrotated, until rotating works again`);
      }
      this.open('a');
      return;
    }
    if (this.rotationFailing) {
      this.rotationFailing = false;
      this.report('info', `rotating ${this.path} again`);
    }
    this.open('truncate');
    // before a byte is written to it: a follower finishes the old file, then reads this one whole
    announceNewLogFile(this.path);
  }
}
