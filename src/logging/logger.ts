import fs from 'node:fs';
import { CODE_BY_LEVEL, LEVELS } from './levels.js';
import { formatLogLine } from './format.js';

/** Where formatted main-log lines go. */
export interface LogSink {
  write(line: string): void;
  reopen(): void;
  close(): void;
}

/**
 * Appends to a file and rotates it as 4.2.5's RotatingFileHandler does (f -> f.1 -> f.2 ...).
 * Writes are synchronous: the main log is low-volume and its lines must survive a crash.
 */
export class RotatingFileSink implements LogSink {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly backups: number,
  ) {
    this.open();
  }

  private open(): void {
    // A character device or FIFO (/dev/stdout) cannot be appended to with a seek, nor rotated.
    this.fd = fs.openSync(this.path, 'a');
    const st = fs.fstatSync(this.fd);
    this.size = st.isFile() ? st.size : 0;
    this.rotatable = st.isFile();
  }

  private rotatable = true;

  /** false for /dev/stdout, pipes and other files that cannot be rotated: maxbytes does not apply. */
  get isRotatable(): boolean {
    return this.rotatable;
  }

  write(line: string): void {
    if (this.fd === null) return;
    const buf = Buffer.from(line, 'utf8');
    fs.writeSync(this.fd, buf);
    this.size += buf.length;
    if (this.rotatable && this.maxBytes > 0 && this.size >= this.maxBytes) this.rollover();
  }

  private rollover(): void {
    this.close();
    if (this.backups > 0) {
      for (let i = this.backups - 1; i > 0; i--) {
        const src = `${this.path}.${i}`;
        if (fs.existsSync(src)) renameReplacing(src, `${this.path}.${i + 1}`);
      }
      renameReplacing(this.path, `${this.path}.1`);
    }
    this.fd = fs.openSync(this.path, 'w');
    this.size = 0;
  }

  reopen(): void {
    this.close();
    this.open();
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

function renameReplacing(src: string, dst: string): void {
  try {
    fs.rmSync(dst, { force: true });
    fs.renameSync(src, dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Echoes lines to a stream (supervisord's stdout with -n and not silent). */
export class StreamSink implements LogSink {
  constructor(private readonly fd: number) {}
  write(line: string): void {
    try {
      fs.writeSync(this.fd, line);
    } catch {
      // stdout closed (EPIPE) or gone: the file sink still has the line
    }
  }
  reopen(): void {}
  close(): void {}
}

/** The supervisord main log: 4.2.5's levels, line format and level filtering. */
export class Logger {
  private readonly sinks: LogSink[] = [];

  constructor(public level: number = LEVELS.INFO) {}

  addSink(sink: LogSink): void {
    this.sinks.push(sink);
  }

  isEnabled(level: number): boolean {
    return level >= this.level;
  }

  log(level: number, message: string): void {
    if (level < this.level) return;
    const line = formatLogLine(new Date(), CODE_BY_LEVEL.get(level) ?? 'INFO', message);
    for (const sink of this.sinks) {
      try {
        sink.write(line);
      } catch (err) {
        // a full disk must not take the daemon down: say it once on stderr and carry on
        reportSinkError(err);
      }
    }
  }

  critical(message: string): void {
    this.log(LEVELS.CRIT, message);
  }
  error(message: string): void {
    this.log(LEVELS.ERRO, message);
  }
  warn(message: string): void {
    this.log(LEVELS.WARN, message);
  }
  info(message: string): void {
    this.log(LEVELS.INFO, message);
  }
  debug(message: string): void {
    this.log(LEVELS.DEBG, message);
  }
  trace(message: string): void {
    this.log(LEVELS.TRAC, message);
  }
  blather(message: string): void {
    this.log(LEVELS.BLAT, message);
  }

  reopen(): void {
    for (const sink of this.sinks) sink.reopen();
  }

  close(): void {
    for (const sink of this.sinks) sink.close();
    this.sinks.length = 0;
  }
}

let lastSinkError = '';
function reportSinkError(err: unknown): void {
  const text = `supervisord: cannot write the main log: ${(err as Error).message}\n`;
  if (text === lastSinkError) return;
  lastSinkError = text;
  try {
    fs.writeSync(2, text);
  } catch {
    // nothing left to tell
  }
}
