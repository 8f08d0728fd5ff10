import fs from 'node:fs';
import { announceNewLogFile } from '../output/new-file-events.js';
import { CODE_BY_LEVEL, LEVELS } from './levels.js';
import { formatLogLine } from './format.js';

// How soon a rotation that failed (a directory we cannot write) is tried again.
const ROTATION_RETRY_MS = 1000;

/** Where formatted main-log lines go. */
export interface LogSink {
  /** what it writes to, for messages about it ("the main log /var/log/supervisord.log") */
  readonly label?: string;
  /** throws when the line could not be written (ENOSPC, EROFS...): the Logger counts it as dropped */
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
  /** the last write landed in part (a full disk): the next line starts on a line of its own */
  private torn = false;
  private rotationFailing = false;
  private nextRotationAttempt = 0;

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

  get label(): string {
    return `the main log ${this.path}`;
  }

  private rotatable = true;

  /** false for /dev/stdout, pipes and other files that cannot be rotated: maxbytes does not apply. */
  get isRotatable(): boolean {
    return this.rotatable;
  }

  write(line: string): void {
    if (this.fd === null) return;
    const buf = Buffer.from(this.torn ? `\n${line}` : line, 'utf8');
    // write(2) may take only part of the line (a file system that just filled up): write the rest
    let offset = 0;
    try {
      while (offset < buf.length) offset += fs.writeSync(this.fd, buf, offset);
      this.torn = false;
    } catch (err) {
      if (offset > 0) this.torn = true;
      throw err;
    } finally {
      this.size += offset;
    }
    if (this.rotatable && this.maxBytes > 0 && this.size >= this.maxBytes) this.rollover();
  }

  private rollover(): void {
    if (Date.now() < this.nextRotationAttempt) return;
    this.close();
    try {
      if (this.backups > 0) {
        for (let i = this.backups - 1; i > 0; i--) {
          const src = `${this.path}.${i}`;
          if (fs.existsSync(src)) renameReplacing(src, `${this.path}.${i + 1}`);
        }
        renameReplacing(this.path, `${this.path}.1`);
      }
    } catch (err) {
      // truncating now would destroy the lines that could not be moved to .1: keep appending, say it
      // once in the log itself, try again in a while
      this.nextRotationAttempt = Date.now() + ROTATION_RETRY_MS;
      this.open();
      if (!this.rotationFailing) {
        this.rotationFailing = true;
        this.write(formatLogLine(new Date(), 'ERRO', `cannot rotate ${this.path}: ${(err as Error).message}; it grows past logfile_maxbytes until rotating works again`));
      }
      return;
    }
    this.rotationFailing = false;
    this.fd = fs.openSync(this.path, 'w');
    this.size = 0;
    // before a line is written to it: a follower (maintail -f) finishes the old file first
    announceNewLogFile(this.path);
  }

  reopen(): void {
    this.close();
    this.open();
    announceNewLogFile(this.path);
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

/** Echoes lines to an output shared with other writers (supervisord's stdout with -n and not silent). */
export class StreamSink implements LogSink {
  /** `out` keeps each line whole and in order, and never throws (a reader that left costs only its copy) */
  constructor(private readonly out: { write(line: string): unknown }) {}
  write(line: string): void {
    this.out.write(line);
  }
  reopen(): void {}
  close(): void {}
}

/** A sink that failed: lines dropped since, and why, told when it works again. */
interface SinkTrouble {
  dropped: number;
  reason: string;
}

/**
 * The supervisord main log: 4.2.5's levels, line format and level filtering. A sink that cannot be
 * written (a full disk) never stops the daemon: the failure is said once on stderr, the lines are
 * dropped and counted, and the count is the first line the sink gets once it works again.
 */
export class Logger {
  private readonly sinks: LogSink[] = [];
  private readonly troubles = new Map<LogSink, SinkTrouble>();

  /** `complain` is where a sink's failure is said when the main log itself fails (stderr) */
  constructor(
    public level: number = LEVELS.INFO,
    private readonly complain: (text: string) => void = writeStderr,
  ) {}

  addSink(sink: LogSink): void {
    this.sinks.push(sink);
  }

  isEnabled(level: number): boolean {
    return level >= this.level;
  }

  log(level: number, message: string): void {
    if (level < this.level) return;
    const now = new Date();
    const line = formatLogLine(now, CODE_BY_LEVEL.get(level) ?? 'INFO', message);
    for (const sink of this.sinks) this.writeTo(sink, line, now);
  }

  private writeTo(sink: LogSink, line: string, now: Date): void {
    const trouble = this.troubles.get(sink);
    try {
      if (trouble) {
        const lines = trouble.dropped === 1 ? '1 line was' : `${trouble.dropped} lines were`;
        sink.write(formatLogLine(now, 'INFO', `writing ${sink.label ?? 'the main log'} again (${lines} dropped: ${trouble.reason})`));
        this.troubles.delete(sink);
      }
      sink.write(line);
    } catch (err) {
      const current = this.troubles.get(sink);
      if (current) {
        current.dropped += 1;
        return;
      }
      const reason = (err as Error).message;
      this.troubles.set(sink, { dropped: 1, reason });
      // the main log itself is what failed: stderr is the one place left to say it
      this.complain(`supervisord: cannot write ${sink.label ?? 'the main log'}: ${reason}; its lines are dropped until it works again\n`);
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
    this.troubles.clear();
  }
}

function writeStderr(text: string): void {
  try {
    fs.writeSync(2, text);
  } catch {
    // nothing left to tell
  }
}
