// Everything a child's stdout or stderr feeds: the log file, and only when asked, capture mode,
// strip_ansi, per-line timestamps, syslog, the main log at debug level and line consumers.
import { LEVELS } from '../logging/levels.js';
import type { Logger } from '../logging/logger.js';
import { CaptureSplitter } from './capture.js';
import { LineFramer, type LineBatch, type OutputStream } from './line-framer.js';
import type { LogTarget } from './log-target.js';
import { countBytesAndLines, countChunk, type StreamCounts } from './output-counts.js';
import type { OutputSink } from './pipe-to-log.js';
import { stripEscapes } from './strip-ansi.js';
import type { SyslogWriter } from './syslog.js';
import { LineStampInserter } from './timestamp-format.js';

export interface OutputChannelOptions {
  stream: OutputStream;
  processName: string;
  /** the process's running totals for this stream, added to on every chunk */
  counts: StreamCounts;
  /** null = NONE */
  file: LogTarget | null;
  logger: Logger;
  /** prefix maker for per-line timestamps in the file; null = none */
  timestamps: ((time: number) => Buffer) | null;
  /** *_capture_maxbytes; 0 = no capture mode */
  captureMaxBytes: number;
  stripAnsi: boolean;
  /** *_syslog; null = off */
  syslog: SyslogWriter | null;
  lineMaxBytes: number;
  /** asked per chunk, so that a listener added later is served from then on */
  wantsLines: () => boolean;
  onLines: (batch: LineBatch) => void;
  onCommunication: (data: Buffer) => void;
  /** bytes waiting unread in the pipe; null where that cannot be asked */
  pipeBacklog?: () => number | null;
}

/** How long the pipe must stay quiet before a line without its newline is handed on as it is. */
export const PARTIAL_FLUSH_DELAY_MS = 200;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class OutputChannel implements OutputSink {
  private readonly file: LogTarget | null;
  /** true when no feature needs more than handing the chunk to the file */
  private readonly plain: boolean;
  private readonly capture: CaptureSplitter | null;
  private readonly stamper: LineStampInserter | null;
  private framer: LineFramer | null = null;
  private time = 0;
  private fileOk = true;
  private quietTimer: NodeJS.Timeout | null = null;
  /** the last write said the file is behind: the pipe is not read until 'drain', so it is not quiet */
  private blocked = false;
  private readonly drainListeners = new Map<() => void, () => void>();
  /** performance.now() of the last chunk that left something held */
  private lastHeldAt = 0;
  private readonly quietCheck = (): void => this.checkQuiet();

  constructor(private readonly options: OutputChannelOptions) {
    this.file = options.file;
    this.capture =
      options.captureMaxBytes > 0
        ? new CaptureSplitter(options.captureMaxBytes, {
            log: (data, captured) => this.deliver(data, captured),
            communication: (data) => this.communicate(data),
          })
        : null;
    this.stamper = options.timestamps ? new LineStampInserter(options.timestamps) : null;
    this.plain = this.capture === null && this.stamper === null && !options.stripAnsi && options.syslog === null;
  }

  write(chunk: Buffer): boolean {
    if (this.plain && !this.options.wantsLines() && !this.options.logger.isEnabled(LEVELS.DEBG)) {
      countChunk(this.options.counts, chunk);
      if (this.file === null) return true;
      this.blocked = !this.file.write(chunk);
      if (this.file.holdsPartial) this.armQuietFlush();
      return !this.blocked;
    }
    this.time = Date.now();
    this.fileOk = true;
    // the chunk is the caller's to reuse: capture mode keeps parts of it, so it gets a copy; the
    // file and the line framer copy what they keep (the framer only the lines, once)
    // the line framer counts the newlines of the chunk as it frames it: searched once, not twice
    const newlines = this.capture ? -1 : this.deliver(chunk, false);
    if (newlines >= 0) countBytesAndLines(this.options.counts, chunk.length, newlines);
    else countChunk(this.options.counts, chunk);
    if (this.capture) this.capture.push(Buffer.from(chunk));
    if (this.holdsPartial()) this.armQuietFlush();
    this.blocked = !this.fileOk;
    return this.fileOk;
  }

  once(event: 'drain', listener: () => void): this {
    const unblocked = (): void => {
      this.blocked = false;
      listener();
    };
    this.drainListeners.set(listener, unblocked);
    if (this.file) this.file.once(event, unblocked);
    else queueMicrotask(unblocked);
    return this;
  }

  off(event: 'drain', listener: () => void): this {
    const unblocked = this.drainListeners.get(listener);
    this.drainListeners.delete(listener);
    if (unblocked) this.file?.off(event, unblocked);
    return this;
  }

  /** The pipe closed: held bytes go out. */
  end(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    this.capture?.end();
    this.framer?.end();
    this.file?.flushPartial();
  }

  private holdsPartial(): boolean {
    return (this.capture?.holdsPartial ?? false) || (this.framer?.holdsPartial ?? false) || (this.file?.holdsPartial ?? false);
  }

  // A line without its newline is handed on only once the pipe has been quiet for the delay AND
  // nothing is left unread in it: after the event loop stalls, expired timers run before pending
  // reads, and a timer alone would cut a line whose rest is already in the pipe.
  private armQuietFlush(): void {
    this.lastHeldAt = performance.now();
    this.quietTimer ??= setTimeout(this.quietCheck, PARTIAL_FLUSH_DELAY_MS).unref();
  }

  private checkQuiet(): void {
    this.quietTimer = null;
    if (!this.holdsPartial()) return;
    const quietFor = performance.now() - this.lastHeldAt;
    if (this.blocked) {
      this.quietTimer = setTimeout(this.quietCheck, PARTIAL_FLUSH_DELAY_MS).unref();
      return;
    }
    if (quietFor < PARTIAL_FLUSH_DELAY_MS) {
      this.quietTimer = setTimeout(this.quietCheck, PARTIAL_FLUSH_DELAY_MS - quietFor).unref();
      return;
    }
    const unread = this.options.pipeBacklog?.() ?? null;
    if (unread === null) {
      // cannot ask the pipe: let one poll phase read what waits, then decide
      const heldAt = this.lastHeldAt;
      this.quietTimer = setTimeout(() => {
        this.quietTimer = null;
        if (this.lastHeldAt === heldAt) this.flushPartials();
        else this.checkQuiet();
      }, 0).unref();
      return;
    }
    if (unread > 0) {
      this.quietTimer = setTimeout(this.quietCheck, PARTIAL_FLUSH_DELAY_MS).unref();
      return;
    }
    this.flushPartials();
  }

  private flushPartials(): void {
    this.time = Date.now();
    this.capture?.flushPartial();
    this.framer?.flushPartial();
    this.file?.flushPartial();
  }

  /** Returns the newlines of `raw` when the line framer counted them (it framed `raw` itself), else -1. */
  private deliver(raw: Buffer, captured: boolean): number {
    const data = this.options.stripAnsi ? stripEscapes(raw) : raw;
    if (data.length === 0) return -1;
    if (!captured && this.file) {
      if (this.stamper) {
        for (const part of this.stamper.stamp(data, this.time)) this.fileOk = this.file.write(part) && this.fileOk;
      } else {
        this.fileOk = this.file.write(data) && this.fileOk;
      }
    }
    if (this.options.logger.isEnabled(LEVELS.DEBG)) {
      this.options.logger.debug(`'${this.options.processName}' ${this.options.stream} output:\n${describe(data)}`);
    }
    if (captured || (this.options.syslog === null && !this.options.wantsLines())) return -1;
    const newlines = this.lineFramer().push(data, this.time);
    return data === raw ? newlines : -1;
  }

  private lineFramer(): LineFramer {
    this.framer ??= new LineFramer({
      stream: this.options.stream,
      maxLineBytes: this.options.lineMaxBytes,
      emit: (batch) => {
        this.options.syslog?.send(batch.lines.map((line) => `${this.options.processName} ${line.text}`));
        if (this.options.wantsLines()) this.options.onLines(batch);
      },
    });
    return this.framer;
  }

  private communicate(data: Buffer): void {
    this.options.onCommunication(data);
    this.options.logger.debug(`'${this.options.processName}' ${this.options.stream} emitted a comm event`);
  }
}

function describe(data: Buffer): string {
  try {
    return strictUtf8.decode(data);
  } catch {
    return `Undecodable: ${JSON.stringify(data.toString('latin1'))}`;
  }
}
