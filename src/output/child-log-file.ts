// A child's stdout or stderr log file: chunks are appended as they come, with no per-line work.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';

/** Bytes queued for the disk above which write() asks the reader to pause (the child's pipe then fills). */
export const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

export interface ChildLogFileOptions {
  /** default DEFAULT_HIGH_WATER_MARK */
  highWaterMark?: number;
  /** told about a failed write or open (full disk, removed directory); the data is dropped, the daemon goes on */
  onError?: (err: Error) => void;
}

/**
 * Appends chunks to one file through a queue drained by asynchronous writes. write() returns false
 * once more than highWaterMark bytes wait, and 'drain' is emitted when the queue is empty again:
 * the same contract as a Writable, so readers can apply back-pressure. The size is tracked per
 * write so that rotation can hook in after each write.
 */
export class ChildLogFile extends EventEmitter {
  private fd: number | null = null;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private needDrain = false;
  private closed = false;
  private currentSize = 0;
  private readonly highWaterMark: number;
  private readonly onError: (err: Error) => void;

  constructor(
    readonly path: string,
    options: ChildLogFileOptions = {},
  ) {
    super();
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.onError = options.onError ?? (() => {});
    this.open();
  }

  /** bytes in the file, as far as this writer knows */
  get size(): number {
    return this.currentSize;
  }

  /** bytes accepted but not yet on disk */
  get pending(): number {
    return this.queuedBytes;
  }

  write(chunk: Buffer): boolean {
    if (this.closed || chunk.length === 0) return true;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.pump();
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

  /** Close and open the path again (after logrotate moved the file away). */
  async reopen(): Promise<void> {
    await this.flush();
    this.closeFd();
    this.open();
  }

  /** Empty the file (4.2.5's clearProcessLogs): bytes queued before the call are written first. */
  async clear(): Promise<void> {
    await this.flush();
    if (this.fd === null) return;
    if (fs.fstatSync(this.fd).isFile()) fs.ftruncateSync(this.fd, 0);
    this.currentSize = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.closeFd();
  }

  private open(): void {
    try {
      this.fd = fs.openSync(this.path, 'a');
      this.currentSize = fs.fstatSync(this.fd).size;
    } catch (err) {
      this.fd = null;
      this.onError(err as Error);
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch (err) {
      this.onError(err as Error);
    }
    this.fd = null;
  }

  private pump(): void {
    if (this.writing) return;
    const chunk = this.queue[0];
    if (chunk === undefined) {
      this.emit('idle');
      if (this.needDrain) {
        this.needDrain = false;
        this.emit('drain');
      }
      return;
    }
    if (this.fd === null) {
      // nowhere to write (open failed): drop, as a full disk would
      this.dequeue(chunk.length);
      this.pump();
      return;
    }
    this.writing = true;
    fs.write(this.fd, chunk, 0, chunk.length, null, (err, written) => {
      this.writing = false;
      if (err) {
        this.onError(err);
        this.dequeue(chunk.length);
      } else {
        this.currentSize += written;
        if (written < chunk.length) {
          this.queue[0] = chunk.subarray(written);
          this.queuedBytes -= written;
        } else {
          this.dequeue(chunk.length);
        }
      }
      this.pump();
    });
  }

  private dequeue(length: number): void {
    this.queue.shift();
    this.queuedBytes -= length;
  }
}
