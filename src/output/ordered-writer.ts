// The one writer of one of the daemon's own descriptors (fd 1 or fd 2). The main log, child logs
// aimed at that descriptor and plugins such as stdout-prefix all hand it records (whole lines, or
// bytes that belong together), and it writes them in the order given, each one whole: no other
// writer of ours can land inside a record, whatever the descriptor (pipe, file, terminal, socket)
// and however slowly it is read. A slow reader costs memory up to a bound, then disk up to a bound
// (an unlinked spool file), and only past both are records dropped, counted and reported. A regular
// file is written at once, in place; anything that can block is written from the thread pool, one
// write at a time, so the event loop never waits for a reader.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { consumeFront } from './chunk-queue.js';

export interface OrderedWriterLimits {
  /** bytes kept in memory before records go to the spool file */
  memoryBytes: number;
  /** bytes the spool file may hold; past it records are dropped (counted). 0 = no spool */
  spoolBytes: number;
  /** write() says false above this many bytes waiting, for writers that can wait (a child's pipe) */
  highWaterMark: number;
}

export const DEFAULT_WRITER_LIMITS: OrderedWriterLimits = {
  memoryBytes: 8 * 1024 * 1024,
  spoolBytes: 256 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
};

export interface OrderedWriterStats {
  /** bytes written to the descriptor */
  written: number;
  /** bytes that went through the spool file */
  spooled: number;
  /** bytes dropped: the spool was full, the descriptor failed, or its reader went away */
  dropped: number;
  /** bytes waiting, in memory and in the spool */
  backlog: number;
}

/** How the writer tells of trouble: a slow reader, a spool that filled up, a broken descriptor. */
export type WriterReport = (level: 'info' | 'warn' | 'error', message: string) => void;

// One write from the thread pool takes at most this much: a blocked write(2) on a pipe returns
// only when the reader took nearly all of it, so a smaller batch lets new records follow sooner.
const MAX_BYTES_PER_WRITE = 256 * 1024;
const MAX_CHUNKS_PER_WRITE = 1024;
// A descriptor someone else made non-blocking answers EAGAIN when full: try again this soon.
const EAGAIN_RETRY_MS = 5;
// Read back from the spool this much at a time, once memory has room.
const SPOOL_READ_BYTES = 1024 * 1024;

export class OrderedWriter extends EventEmitter {
  /** records waiting in memory, oldest first */
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private needDrain = false;
  /** a regular file takes bytes into the page cache at once: written in place, never queued */
  private readonly inPlace: boolean;
  private broken: string | null = null;
  private spool: SpoolFile | null = null;
  private spoolDir: string = os.tmpdir();
  private limits: OrderedWriterLimits = DEFAULT_WRITER_LIMITS;
  private report: WriterReport = () => {};
  private readonly counts = { written: 0, spooled: 0, dropped: 0 };
  /** the current episode of trouble, told once when it starts and once when it ends */
  private episode: { dropping: boolean; droppedAtStart: number } | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly fd: number,
    readonly label: string,
  ) {
    super();
    let stat: fs.Stats | null = null;
    try {
      stat = fs.fstatSync(fd);
    } catch (err) {
      this.broken = `${label} is not open (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    this.inPlace = stat?.isFile() ?? false;
  }

  /** Where the spool file goes (the daemon's own directory), the bounds, and who hears of trouble. */
  configure(options: { spoolDir?: string; limits?: Partial<OrderedWriterLimits>; report?: WriterReport }): void {
    if (options.spoolDir !== undefined) this.spoolDir = options.spoolDir;
    if (options.limits) this.limits = { ...this.limits, ...options.limits };
    if (options.report) this.report = options.report;
  }

  get stats(): OrderedWriterStats {
    return { ...this.counts, backlog: this.backlog };
  }

  /** bytes accepted and not yet written */
  get backlog(): number {
    return this.queuedBytes + (this.spool?.bytes ?? 0);
  }

  /**
   * Appends `record` after everything accepted before it; it is written whole, never cut by
   * another record. The caller may reuse a Buffer after the call. Returns false while more than
   * the high-water mark waits: a writer that can wait stops until 'drain' (others need not).
   */
  write(record: Buffer | string): boolean {
    const bytes = typeof record === 'string' ? Buffer.from(record) : record;
    if (bytes.length === 0) return true;
    if (this.broken !== null) {
      this.counts.dropped += bytes.length;
      return true;
    }
    if (this.inPlace) {
      this.writeInPlace(bytes);
      return true;
    }
    this.enqueue(bytes === record ? Buffer.from(bytes) : bytes);
    this.pump();
    return !this.mustWait();
  }

  /** True while more than the high-water mark waits: the caller stops until 'drain'. */
  mustWait(): boolean {
    if (this.backlog <= this.limits.highWaterMark) return false;
    this.needDrain = true;
    return true;
  }

  /** Resolves once everything accepted so far is written (or dropped). */
  idle(): Promise<void> {
    if (this.backlog === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * For the daemon's exit: waits while the reader keeps reading, gives up after `stallMs` without
   * progress (a reader that stopped for good must not keep the daemon from exiting), and says how
   * much was left unwritten.
   */
  async drain(stallMs: number): Promise<void> {
    let lastWritten = -1;
    while (this.backlog > 0 || this.writing) {
      if (this.counts.written === lastWritten) {
        this.report('error', `${this.label}: its reader took nothing for ${stallMs / 1000} s; ${this.backlog} bytes of output are not written`);
        this.discardAll();
        return;
      }
      lastWritten = this.counts.written;
      await Promise.race([this.idle(), new Promise((resolve) => setTimeout(resolve, stallMs).unref())]);
    }
  }

  private writeInPlace(bytes: Buffer): void {
    let offset = 0;
    try {
      while (offset < bytes.length) offset += fs.writeSync(this.fd, bytes, offset);
      this.counts.written += offset;
      this.endEpisode();
    } catch (err) {
      this.counts.written += offset;
      this.tellFailure(err as NodeJS.ErrnoException);
      this.counts.dropped += bytes.length - offset;
    }
  }

  private enqueue(bytes: Buffer): void {
    const spooling = this.spool !== null && this.spool.bytes > 0;
    if (!spooling && this.queuedBytes + bytes.length <= this.limits.memoryBytes) {
      this.queue.push(bytes);
      this.queuedBytes += bytes.length;
      return;
    }
    // past memory: onto the spool, behind what it holds already, so order is kept
    const why = this.spoolRefusal(bytes.length);
    if (why === null) {
      try {
        (this.spool as SpoolFile).append(bytes);
        this.counts.spooled += bytes.length;
        this.trouble('spooling', '');
        return;
      } catch (err) {
        this.trouble('dropping', `cannot write its spool file: ${(err as Error).message}`);
      }
    } else {
      this.trouble('dropping', why);
    }
    this.counts.dropped += bytes.length;
  }

  /** Why `length` more bytes cannot go to the spool (created here, the first time memory is full), or null. */
  private spoolRefusal(length: number): string | null {
    if (this.limits.spoolBytes === 0) return 'memory is full and no spool is allowed';
    if (this.spool === null) {
      try {
        this.spool = SpoolFile.create(this.spoolDir, this.label);
      } catch (err) {
        return `cannot create a spool file in ${this.spoolDir}: ${(err as Error).message}`;
      }
    }
    if (this.spool.bytes + length > this.limits.spoolBytes) return `its spool is full (${this.limits.spoolBytes} bytes)`;
    return null;
  }

  /** Said once when an episode starts and once more if it turns from spooling to dropping. */
  private trouble(kind: 'spooling' | 'dropping', why: string): void {
    if (this.episode === null) {
      this.episode = { dropping: kind === 'dropping', droppedAtStart: this.counts.dropped };
      const what = kind === 'spooling' ? `keeping what waits in a spool file in ${this.spoolDir}` : `dropping output: ${why}`;
      this.tell(kind === 'spooling' ? 'warn' : 'error', `${this.label} is written faster than it is read (${this.backlog} bytes wait); ${what}`);
    } else if (kind === 'dropping' && !this.episode.dropping) {
      this.episode.dropping = true;
      this.tell('error', `${this.label}: dropping output: ${why}`);
    }
  }

  private endEpisode(): void {
    if (this.episode === null) return;
    const dropped = this.counts.dropped - this.episode.droppedAtStart;
    this.episode = null;
    this.tell(dropped > 0 ? 'warn' : 'info', `${this.label} caught up (${dropped} bytes of output were dropped meanwhile, ${this.counts.dropped} in all)`);
  }

  /** The report may write to this very writer (the main log echoes to stdout): never from inside a write. */
  private tell(level: 'info' | 'warn' | 'error', message: string): void {
    setImmediate(() => this.report(level, message));
  }

  private pump(): void {
    if (this.writing) return;
    this.refill();
    if (this.queue.length === 0) {
      this.becameIdle();
      return;
    }
    if (this.broken !== null) {
      this.discardAll();
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (const chunk of this.queue) {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= MAX_BYTES_PER_WRITE || chunks.length === MAX_CHUNKS_PER_WRITE) break;
    }
    this.writing = true;
    fs.writev(this.fd, chunks, null, (err, written) => this.written(err, written, bytes));
  }

  private written(err: NodeJS.ErrnoException | null, written: number, batchBytes: number): void {
    this.writing = false;
    if (err?.code === 'EAGAIN') {
      this.writing = true;
      setTimeout(() => {
        this.writing = false;
        this.pump();
      }, EAGAIN_RETRY_MS).unref();
      return;
    }
    if (err) {
      this.tellFailure(err);
      this.counts.dropped += batchBytes;
      this.consume(batchBytes);
    } else {
      this.counts.written += written;
      this.consume(written);
    }
    if (this.needDrain && this.backlog <= this.limits.highWaterMark / 2) {
      this.needDrain = false;
      this.emit('drain');
    }
    this.pump();
  }

  /** EPIPE and friends: the reader is gone for good; other errors may pass (a full disk). */
  private tellFailure(err: NodeJS.ErrnoException): void {
    if (err.code === 'EPIPE' || err.code === 'EBADF' || err.code === 'ECONNRESET') {
      this.broken = `its reader has gone (${err.code})`;
      this.trouble('dropping', this.broken);
    } else {
      this.trouble('dropping', `it cannot be written: ${err.message}`);
    }
  }

  private discardAll(): void {
    this.counts.dropped += this.backlog;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.spool?.reset();
    this.becameIdle();
  }

  /** Moves spooled bytes back to memory while memory has room (they are all older than anything newer). */
  private refill(): void {
    const spool = this.spool;
    if (spool === null || spool.bytes === 0 || this.queuedBytes >= this.limits.memoryBytes / 2) return;
    const chunk = spool.read(Math.min(SPOOL_READ_BYTES, this.limits.memoryBytes - this.queuedBytes));
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
  }

  /** Removes `bytes` from the front of the queue, splitting a chunk written in part. */
  private consume(bytes: number): void {
    this.queuedBytes -= bytes;
    consumeFront(this.queue, bytes);
  }

  private becameIdle(): void {
    if (this.needDrain) {
      this.needDrain = false;
      this.emit('drain');
    }
    this.endEpisode();
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

/**
 * A byte FIFO on disk: appended at the end, read from the front, emptied when read to the end.
 * Unlinked at once, so only this process holds it and a crash leaves no file behind.
 */
class SpoolFile {
  private readOffset = 0;
  private writeOffset = 0;

  private constructor(private readonly fd: number) {}

  static create(dir: string, label: string): SpoolFile {
    const file = path.join(dir, `supervisord-${label.replace(/[^a-z0-9]+/gi, '-')}-${process.pid}-${Date.now()}.spool`);
    const fd = fs.openSync(file, 'wx+', 0o600);
    fs.unlinkSync(file);
    return new SpoolFile(fd);
  }

  get bytes(): number {
    return this.writeOffset - this.readOffset;
  }

  fits(length: number, cap: number): boolean {
    return this.bytes + length <= cap;
  }

  /** Throws on a write error (ENOSPC): nothing is counted as spooled then, even a part. */
  append(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(this.fd, bytes, offset, bytes.length - offset, this.writeOffset + offset);
    this.writeOffset += bytes.length;
  }

  read(max: number): Buffer {
    const length = Math.min(max, this.bytes);
    const chunk = Buffer.allocUnsafe(length);
    const got = fs.readSync(this.fd, chunk, 0, length, this.readOffset);
    this.readOffset += got;
    if (this.bytes === 0) this.reset();
    return chunk.subarray(0, got);
  }

  reset(): void {
    this.readOffset = this.writeOffset = 0;
    try {
      fs.ftruncateSync(this.fd, 0);
    } catch {
      // the next appends overwrite from offset 0 anyway
    }
  }
}
