// Everything a child's stdout or stderr feeds: the log file, and only when asked, capture mode,
// strip_ansi, per-line timestamps, syslog, the main log at debug level and line consumers.
import { LEVELS } from '../logging/levels.js';
import type { Logger } from '../logging/logger.js';
import { CaptureSplitter } from './capture.js';
import type { ChildLogFile } from './child-log-file.js';
import { DEFAULT_FLUSH_DELAY_MS, LineFramer, type OutputLine, type OutputStream } from './line-framer.js';
import { countChunk, type StreamCounts } from './output-counts.js';
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
  file: ChildLogFile | null;
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
  onLines: (lines: OutputLine[]) => void;
  onCommunication: (data: Buffer) => void;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class OutputChannel implements OutputSink {
  private readonly file: ChildLogFile | null;
  /** true when no feature needs more than handing the chunk to the file */
  private readonly plain: boolean;
  private readonly capture: CaptureSplitter | null;
  private readonly stamper: LineStampInserter | null;
  private framer: LineFramer | null = null;
  private time = 0;
  private fileOk = true;

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
    countChunk(this.options.counts, chunk);
    if (this.plain && !this.options.wantsLines() && !this.options.logger.isEnabled(LEVELS.DEBG)) {
      return this.file === null || this.file.write(chunk);
    }
    // capture mode, the line framer and the rest keep parts of it; the chunk is the caller's to reuse
    const owned = Buffer.from(chunk);
    this.time = Date.now();
    this.fileOk = true;
    if (this.capture) this.capture.push(owned);
    else this.deliver(owned, false);
    return this.fileOk;
  }

  once(event: 'drain', listener: () => void): this {
    if (this.file) this.file.once(event, listener);
    else queueMicrotask(listener);
    return this;
  }

  off(event: 'drain', listener: () => void): this {
    this.file?.off(event, listener);
    return this;
  }

  /** The pipe closed: held bytes go out. */
  end(): void {
    this.capture?.end();
    this.framer?.end();
  }

  private deliver(raw: Buffer, captured: boolean): void {
    const data = this.options.stripAnsi ? stripEscapes(raw) : raw;
    if (data.length === 0) return;
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
    if (!captured && (this.options.syslog !== null || this.options.wantsLines())) this.lineFramer().push(data, this.time);
  }

  private lineFramer(): LineFramer {
    this.framer ??= new LineFramer({
      stream: this.options.stream,
      maxLineBytes: this.options.lineMaxBytes,
      flushDelayMs: DEFAULT_FLUSH_DELAY_MS,
      emit: (lines) => {
        this.options.syslog?.send(lines.map((line) => `${this.options.processName} ${line.text}`));
        if (this.options.wantsLines()) this.options.onLines(lines);
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
