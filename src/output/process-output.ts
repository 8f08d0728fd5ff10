// One process's output side: its two log files (opened at first spawn, kept across restarts) and,
// for each run of the child, the two channels its pipes feed.
import type { ProcessConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { OutputChannel } from './channel.js';
import { ChildLogFile, type LogReportLevel } from './child-log-file.js';
import { daemonOutputFor } from './daemon-stdio.js';
import { DescriptorLog } from './descriptor-log.js';
import type { LogTarget } from './log-target.js';
import type { LineBatch, OutputStream } from './line-framer.js';
import { emptyOutputCounts, type OutputCounts, type OutputCountsView } from './output-counts.js';
import { readOutputSettings, type ChannelSettings, type OutputSettings } from './output-settings.js';
import type { SyslogWriter } from './syslog.js';
import { timestampPrefixer } from './timestamp-format.js';

/** One capture-mode payload: the bytes between BEGIN and END tokens (PROCESS_COMMUNICATION_*). */
export interface ProcessCommunication {
  stream: OutputStream;
  data: Buffer;
  /** the child that wrote it */
  pid: number;
  /** epoch milliseconds of the END token's arrival */
  time: number;
}

export interface ProcessOutputOptions {
  config: ProcessConfig;
  logger: Logger;
  /** the paths as far as they exist (null = NONE, or an AUTO file not made yet) */
  logPaths: { readonly stdout: string | null; readonly stderr: string | null };
  /** [supervisord] strip_ansi */
  stripAnsi: boolean;
  /** the daemon's syslog writer, used when the program has *_syslog=true */
  syslog: SyslogWriter | null;
  wantsLines: () => boolean;
  onLines: (batch: LineBatch) => void;
  onCommunication: (communication: ProcessCommunication) => void;
}

export class ProcessOutput {
  private stdoutFile: LogTarget | null = null;
  private stderrFile: LogTarget | null = null;
  private readonly settings: OutputSettings;
  /** over every run of the child; each run's channels add to it */
  private readonly written: OutputCounts = emptyOutputCounts();

  constructor(private readonly options: ProcessOutputOptions) {
    this.settings = readOutputSettings(options.config);
  }

  /** Open the log files that are not open yet. */
  open(): void {
    const { config } = this.options;
    const { stdout, stderr } = this.options.logPaths;
    if (this.stdoutFile === null && stdout !== null) {
      this.stdoutFile = this.openFile(stdout, config.stdout_logfile_maxbytes, config.stdout_logfile_backups, this.settings.stdout);
    }
    if (this.stderrFile === null && stderr !== null && !config.redirect_stderr) {
      this.stderrFile = this.openFile(stderr, config.stderr_logfile_maxbytes, config.stderr_logfile_backups, this.settings.stderr);
    }
  }

  /** Bytes and lines read per pipe: with redirect_stderr fd 2 is the stdout pipe, so its bytes count as stdout (4.2.5 cannot tell them apart either). */
  get counts(): OutputCountsView {
    return this.written;
  }

  /**
   * The channel one pipe of the child with `pid` feeds; capture and line state start afresh per run.
   * `pipeBacklog` tells how many bytes wait unread in that pipe (null where it cannot be asked).
   */
  channel(stream: OutputStream, pid: number, pipeBacklog: (() => number | null) | null = null): OutputChannel {
    const { config } = this.options;
    const stdout = stream === 'stdout';
    const timestamps = (stdout ? this.settings.stdout : this.settings.stderr).timestamps;
    return new OutputChannel({
      stream,
      processName: config.name,
      counts: this.written[stream],
      file: this.fileFor(stream),
      logger: this.options.logger,
      timestamps: timestamps ? timestampPrefixer(this.settings.timestampFormat) : null,
      captureMaxBytes: stdout ? config.stdout_capture_maxbytes : config.stderr_capture_maxbytes,
      stripAnsi: this.options.stripAnsi,
      syslog: (stdout ? config.stdout_syslog : config.stderr_syslog) ? this.options.syslog : null,
      lineMaxBytes: this.settings.lineMaxBytes,
      wantsLines: this.options.wantsLines,
      onLines: this.options.onLines,
      onCommunication: (data) => this.options.onCommunication({ stream, data, pid, time: Date.now() }),
      pipeBacklog: pipeBacklog ?? undefined,
    });
  }

  /** The log of a stream: the stdout log for 'stderr' when redirected (where a failed start's message goes). */
  fileFor(stream: OutputStream): LogTarget | null {
    if (stream === 'stdout' || this.options.config.redirect_stderr) return this.stdoutFile;
    return this.stderrFile;
  }

  /** SIGUSR2, or after logrotate moved the files away. */
  async reopen(): Promise<void> {
    await Promise.all([this.stdoutFile?.reopen(), this.stderrFile?.reopen()]);
  }

  /** Empty both files (clearProcessLogs); throws the file system's error. */
  async clear(): Promise<void> {
    await Promise.all([this.stdoutFile?.clear(), this.stderrFile?.clear()]);
  }

  /** Write what is queued, wait for compressions, close; a later open() opens them again. */
  async close(): Promise<void> {
    const files = [this.stdoutFile, this.stderrFile];
    this.stdoutFile = null;
    this.stderrFile = null;
    await Promise.all(files.map((file) => file?.close()));
  }

  private openFile(path: string, maxBytes: number, backups: number, { compress, rotateEvery }: ChannelSettings): LogTarget {
    const logger = this.options.logger;
    const name = this.options.config.name;
    const report = (level: LogReportLevel, message: string): void => logger[level](`${name}: ${message}`);
    // the daemon's own stdout or stderr: written through its one writer, never opened a second time
    const shared = daemonOutputFor(path);
    if (shared === null) return new ChildLogFile(path, { maxBytes, backups, compress, rotateEvery, report });
    if (maxBytes > 0 || rotateEvery !== null) report('info', `${path} is ${shared.label}: it is written as is, without rotation (maxbytes and rotate do not apply)`);
    return new DescriptorLog(path, shared);
  }
}
