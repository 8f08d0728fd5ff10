// One supervised child and its state machine (4.2.5's Subprocess), driven by events and timers
// instead of a once-a-second loop: exits, startsecs, backoff retries and stop deadlines are acted
// on when they happen.
import { HealthMonitor, type HealthStatus, type HealthVerdict } from './health-check.js';
import type { RestartPolicy } from '../config/program-extensions.js';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { ProcessConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import type { LineBatch, OutputLine } from '../output/line-framer.js';
import type { OutputCountsView } from '../output/output-counts.js';
import { OutputPump, type ChunkHandler } from '../output/pipe-to-log.js';
import { ProcessOutput, type ProcessCommunication } from '../output/process-output.js';
import type { SyslogWriter } from '../output/syslog.js';
import { AutoLogError, type ChildLogPaths } from './child-log-paths.js';
import { CommandError, resolveCommand, searchPath } from './command.js';
import { childEnvironment } from './environment.js';
import { emitSafely } from './emit-safely.js';
import { describeExit, type ExitRecord } from './exit-record.js';
import { roomToStart } from './descriptor-budget.js';
import { checkChildSetup, EXITED_TOO_QUICKLY, launch, launchFailureFrom, tooManyOpenFiles, type LaunchedChild, type LaunchFailure, type LaunchRequest } from './launch.js';
import type { ChildHandle } from './posix-spawn.js';
import { describeProcess, type ProcessInfo } from './process-info.js';
import { describeSignal, signalNumber } from './signals.js';
import { startSoon, type QueuedStart } from './start-queue.js';
import type { UsageReading } from './resource-monitor.js';
import { ProcessState, processStateName } from './states.js';

/** One state change of one process; the event bus turns it into a PROCESS_STATE_<to> event. */
export interface StateChange {
  process: string;
  group: string;
  from: ProcessState;
  to: ProcessState;
  /** the child's pid at the change (the exited pid for EXITED/STOPPED), 0 when there is none */
  pid: number;
  /** EXITED only: exit status in exitcodes */
  expected?: boolean;
  /** STARTING and BACKOFF only: the backoff counter */
  tries?: number;
  /** set when the change was caused by the child ending */
  exit?: ExitRecord;
  /** epoch milliseconds */
  at: number;
}

/** A change of health verdict (beyond 4.2.5): the process is then restarted when unhealthy. */
export interface HealthChange {
  process: string;
  group: string;
  pid: number;
  from: HealthStatus;
  to: 'healthy' | 'unhealthy';
  /** failures in a row (unhealthy), 0 for healthy */
  failures: number;
  /** what the last check saw */
  detail: string;
  /** epoch milliseconds */
  at: number;
}

/** The process tree stayed past memory_limit for memory_limit_grace (beyond 4.2.5): it is restarted. */
export interface MemoryLimitHit {
  process: string;
  group: string;
  pid: number;
  /** resident bytes of the tree at the sample that decided */
  rss: number;
  /** memory_limit in bytes */
  limit: number;
  /** processes in the tree */
  processes: number;
  /** how long it had been past the limit, in milliseconds */
  overMs: number;
  /** epoch milliseconds */
  at: number;
}

export interface SubprocessOptions {
  config: ProcessConfig;
  group: string;
  logger: Logger;
  /** supervisord's environment, the base of the child's */
  daemonEnv: NodeJS.ProcessEnv;
  /** SUPERVISOR_SERVER_URL when the program has no serverurl of its own; null if no server */
  serverUrl: string | null;
  /** the log paths; an AUTO one not made yet is made at spawn, and a failure there is a spawn error */
  logPaths: ChildLogPaths;
  /** false while supervisord shuts down or restarts: no automatic (re)start then */
  mayStartAutomatically: () => boolean;
  /** whether it starts with the run: autostart, unless the operator decided otherwise (statefile); default autostart */
  startsWithRun?: () => boolean;
  /** [supervisord] strip_ansi */
  stripAnsi?: boolean;
  /** the daemon's syslog writer, for *_syslog=true */
  syslog?: SyslogWriter | null;
}

/**
 * What a Subprocess emits. 'lines' carries batches of whole output lines and is only produced
 * while someone listens (the plain log path does no per-line work); 'communication' carries
 * capture-mode payloads (*_capture_maxbytes > 0).
 */
export interface SubprocessEvents {
  state: [StateChange];
  /** raw stdout chunks as read, for eventlisteners whose stdout is the protocol; only read when listened to */
  stdout: [Buffer];
  /** the stdout pipe reached its end (the pid that had it): an eventlistener can then never answer */
  'stdout-closed': [number];
  lines: [OutputLine[]];
  /** the same batches as 'lines', as a LineBatch: its body without an object per line (ADR 0021) */
  output: [LineBatch];
  communication: [ProcessCommunication];
  health: [HealthChange];
  'memory-limit': [MemoryLimitHit];
}

// An exited process is restarted as soon as it exits (4.2.5: at its next loop iteration, up to a
// second later), so a crash loop runs at the child's own pace. Only a child that lived less than
// this waits out the rest: one that dies at once costs at most 20 spawns a second, not a hot loop.
const MIN_AUTORESTART_INTERVAL_MS = 50;
// After the child exits, how long its pipes may take to deliver their last bytes before the state changes.
const DRAIN_GRACE_MS = 50;

const NONE = undefined;

/** Seconds before the n-th retry (n >= 1) under a restart policy. */
export function backoffDelaySecs(policy: RestartPolicy, attempt: number): number {
  const delay = policy.strategy === 'exponential' ? 2 ** Math.min(attempt - 1, 30) : attempt;
  return policy.maxDelaySecs === null ? delay : Math.min(delay, policy.maxDelaySecs);
}

function isDefaultPolicy(policy: RestartPolicy): boolean {
  return policy.strategy === 'linear' && policy.maxDelaySecs === null && !policy.forever;
}

export class Subprocess extends EventEmitter<SubprocessEvents> {
  readonly config: ProcessConfig;
  readonly group: string;
  private readonly logger: Logger;
  private readonly options: SubprocessOptions;

  private currentState = ProcessState.STOPPED;
  private currentPid = 0;
  private child: ChildHandle | null = null;
  /** epoch ms of the last spawn attempt, 0 = never */
  private laststart = 0;
  /** epoch ms of the last exit */
  private laststop = 0;
  /** monotonic ms of the last spawn attempt */
  private startedAt = 0;
  private backoff = 0;
  private killing = false;
  /** the last resource reading of the running child (resource-monitor.ts); null when none */
  private usage: UsageReading | null = null;
  /** epoch ms of the first sample past memory_limit in a row; null when under it */
  private overLimitSince: number | null = null;
  /** stopping because the health check failed or memory_limit was passed: start again once STOPPED */
  private restartWhenStopped: 'health' | 'memory' | null = null;
  private readonly healthMonitor: HealthMonitor | null;
  private spawnError: string | null = null;
  private exitStatus: number | null = null;
  private lastExitRecord: ExitRecord | null = null;

  private startTimer: NodeJS.Timeout | undefined = NONE;
  private retryTimer: NodeJS.Timeout | undefined = NONE;
  private restartTimer: NodeJS.Timeout | undefined = NONE;
  private killTimer: NodeJS.Timeout | undefined = NONE;
  /** a retry or restart whose timer fired, waiting for its turn to spawn (start-queue.ts) */
  private queuedStart: QueuedStart | null = null;

  private readonly output: ProcessOutput;

  constructor(options: SubprocessOptions) {
    super();
    this.options = options;
    this.config = options.config;
    this.group = options.group;
    this.logger = options.logger;
    this.output = new ProcessOutput({
      config: options.config,
      logger: options.logger,
      logPaths: options.logPaths,
      stripAnsi: options.stripAnsi ?? false,
      syslog: options.syslog ?? null,
      wantsLines: () => this.hasLineConsumers,
      onLines: (batch) => {
        const failed = (err: unknown): void => this.logger.error(`a lines listener of ${this.name} failed: ${String(err)}`);
        if (this.listenerCount('output') > 0) emitSafely(this, 'output', batch, failed);
        if (this.listenerCount('lines') > 0) emitSafely(this, 'lines', batch.lines, failed);
      },
      onCommunication: (comm) =>
        emitSafely(this, 'communication', comm, (err) => this.logger.error(`a communication listener of ${this.name} failed: ${String(err)}`)),
    });
    const healthcheck = options.config.extensions.healthcheck;
    this.healthMonitor = healthcheck
      ? new HealthMonitor(healthcheck, { ...options.daemonEnv, ...options.config.environment }, (verdict) => this.guard(() => this.onHealthVerdict(verdict)))
      : null;
  }

  /** The health check's verdict: 'none' without a check, 'unknown' while not RUNNING or not yet checked. */
  get health(): HealthStatus {
    return this.healthMonitor ? this.healthMonitor.current : 'none';
  }

  /** Being stopped because its health check failed, to be started again once STOPPED. */
  get restartingForHealth(): boolean {
    return this.restartWhenStopped === 'health';
  }

  /** The last reading of the running child's process tree (memory, CPU time); null when not running or not sampled. */
  get resourceUsage(): UsageReading | null {
    return this.usage !== null && this.usage.pid === this.currentPid ? this.usage : null;
  }

  /**
   * A reading of the process tree (null: none, the child is gone). Past memory_limit at every
   * sample for memory_limit_grace, a STARTING or RUNNING process is restarted by its stop sequence.
   */
  noteUsage(reading: UsageReading | null): void {
    this.usage = reading;
    const limit = this.config.extensions.memoryLimit;
    if (limit === null) return;
    const live = this.currentState === ProcessState.RUNNING || this.currentState === ProcessState.STARTING;
    if (reading === null || reading.pid !== this.currentPid || !live || this.killing || reading.rss <= limit.bytes) {
      this.overLimitSince = null;
      return;
    }
    this.overLimitSince ??= reading.at;
    const overMs = reading.at - this.overLimitSince;
    if (overMs < limit.graceMs) return;
    this.overLimitSince = null;
    this.guard(() => this.restartForMemory({ process: this.name, group: this.group, pid: reading.pid, rss: reading.rss, limit: limit.bytes, processes: reading.processes, overMs, at: Date.now() }));
  }

  private restartForMemory(hit: MemoryLimitHit): void {
    const tree = hit.processes === 1 ? '1 process' : `${hit.processes} processes`;
    this.logger.warn(
      `memory limit: ${this.name} (pid ${hit.pid}) uses ${hit.rss} bytes resident (${tree}), over its memory_limit of ${hit.limit} bytes` +
        `${hit.overMs > 0 ? ` for ${(hit.overMs / 1000).toFixed(1)} s` : ''}; restarting`,
    );
    emitSafely(this, 'memory-limit', hit, (err) => this.logger.error(`a memory-limit listener of ${this.name} failed: ${(err as Error).stack ?? String(err)}`));
    if (this.currentState !== ProcessState.RUNNING && this.currentState !== ProcessState.STARTING) return;
    this.restartWhenStopped = 'memory';
    this.kill(signalNumber(this.config.stopsignal) ?? 15);
  }

  /** true while a 'lines' or 'output' listener is attached: only then is output framed into lines. */
  get hasLineConsumers(): boolean {
    return this.listenerCount('lines') > 0 || this.listenerCount('output') > 0;
  }

  get name(): string {
    return this.config.name;
  }

  get state(): ProcessState {
    return this.currentState;
  }

  get pid(): number {
    return this.currentPid;
  }

  get spawnerr(): string | null {
    return this.spawnError;
  }

  /** Bytes and lines written per stream over every run of this process (read by the metrics). */
  get outputCounts(): OutputCountsView {
    return this.output.counts;
  }

  /** How the child last ended; null before the first exit. */
  get lastExit(): ExitRecord | null {
    return this.lastExitRecord;
  }

  /** The name `supervisorctl status` shows: "name" when group == name, else "group:name". */
  get displayName(): string {
    return this.group === this.name ? this.name : `${this.group}:${this.name}`;
  }

  /** autostart, or the operator's last start or stop kept in the statefile */
  get startsWithRun(): boolean {
    return this.options.startsWithRun?.() ?? this.config.autostart;
  }

  /** Row 1: spawn if autostart and never started in this run. */
  autostart(): void {
    if (this.startsWithRun && this.laststart === 0 && this.currentState === ProcessState.STOPPED && this.options.mayStartAutomatically()) {
      this.spawn();
    }
  }

  /**
   * Start the child (4.2.5's spawn). Returns the pid, or undefined when the start failed at once
   * (the process is then in BACKOFF with spawnerr set) or a child is already running.
   */
  spawn(): number | undefined {
    if (this.currentPid) {
      this.logger.warn(`process '${this.name}' already running`);
      return undefined;
    }
    if (![ProcessState.EXITED, ProcessState.FATAL, ProcessState.BACKOFF, ProcessState.STOPPED].includes(this.currentState)) {
      this.logger.warn(`process '${this.name}' cannot be started from state ${processStateName(this.currentState)}`);
      return undefined;
    }
    this.clearTimer('retryTimer');
    this.clearTimer('restartTimer');
    this.killing = false;
    this.spawnError = null;
    this.exitStatus = null;
    this.laststart = Date.now();
    this.startedAt = performance.now();
    this.changeState(ProcessState.STARTING);

    let request: LaunchRequest;
    try {
      // an AUTO log that could not be made yet (childlogdir full): this program cannot start, the others can
      this.options.logPaths.create();
      request = this.launchRequest();
    } catch (err) {
      if (!(err instanceof CommandError) && !(err instanceof AutoLogError)) throw err;
      this.failStart({ spawnerr: err.message, detail: err.message, childStderr: null });
      return undefined;
    }
    const setupFailure = checkChildSetup(request);
    if (setupFailure) {
      this.failStart(setupFailure);
      return undefined;
    }
    // before the log files are opened: a start refused for want of descriptors holds none
    if (!roomToStart()) {
      this.failStart(tooManyOpenFiles(this.name));
      return undefined;
    }

    this.output.open();
    const isListener = this.config.section.startsWith('eventlistener:');
    const stdoutPump = new OutputPump(!isListener);
    // redirect_stderr: fd 2 is the stdout pipe, so there is no stderr stream to read (as in 4.2.5)
    const stderrPump = this.config.redirect_stderr ? null : new OutputPump();
    let launched: LaunchedChild;
    try {
      if (isListener) request.wideStdin = true;
      launched = launch(request, { stdout: this.stdoutHandler(stdoutPump), stderr: stderrPump?.push ?? null });
    } catch (err) {
      this.failStart(launchFailureFrom(err as NodeJS.ErrnoException, request, this.name));
      return undefined;
    }
    const { child } = launched;
    if (child.pid === undefined) {
      launched.stdout.destroy();
      launched.stderr?.destroy();
      this.failStartOnSpawnError(child, request);
      return undefined;
    }
    this.announceStdoutClosed(launched.stdout, child.pid);
    // a held line is flushed only once nothing is left unread in its pipe
    stdoutPump.attach(launched.stdout, this.output.channel('stdout', child.pid, launched.backlog?.stdout), launched.widen?.stdout);
    if (stderrPump && launched.stderr) stderrPump.attach(launched.stderr, this.output.channel('stderr', child.pid, launched.backlog?.stderr), launched.widen?.stderr);
    return this.adoptChild(launched);
  }

  // The two listeners below are made in methods of their own, not as arrows in start(): an arrow
  // keeps start()'s whole scope alive, and with it the launch request and its copy of the
  // environment (a few KiB per program, 3.5 MiB of heap at 1000 programs; ADR 0020).

  /** Node reports a failed spawn asynchronously, as an 'error' event on the next tick. */
  private failStartOnSpawnError(child: LaunchedChild['child'], request: LaunchRequest): void {
    child.once('error', (err) => this.guard(() => this.failStart(launchFailureFrom(err, request, this.name))));
  }

  private announceStdoutClosed(stdout: LaunchedChild['stdout'], pid: number): void {
    stdout.once('close', () =>
      emitSafely(this, 'stdout-closed', pid, (err) => this.logger.error(`a stdout-closed listener of ${this.name} failed: ${String(err)}`)),
    );
  }

  /** The child's stdout goes to its log, and to 'stdout' listeners (an event listener's protocol reader). */
  private stdoutHandler(pump: OutputPump): ChunkHandler {
    if (this.listenerCount('stdout') === 0) return pump.push;
    return (chunk) => {
      const more = pump.push(chunk);
      // listeners keep what they get, and the chunk is a view of a reused read buffer
      const copy = Buffer.from(chunk);
      emitSafely(this, 'stdout', copy, (err) => this.logger.error(`a stdout listener of ${this.name} failed: ${String(err)}`));
      return more;
    };
  }

  /** Administrative stop (4.2.5's stop): BACKOFF -> STOPPED, else the stop signal. Returns an error message or null. */
  stop(): string | null {
    // an operator's stop wins over a restart the health check asked for
    this.restartWhenStopped = null;
    return this.kill(signalNumber(this.config.stopsignal) ?? 15);
  }

  /** Send a signal meant to end the child; STOPPING with a SIGKILL deadline. Returns an error message or null. */
  kill(signal: number): string | null {
    if (this.currentState === ProcessState.BACKOFF) {
      this.logger.debug(`Attempted to kill ${this.name}, which is in BACKOFF state.`);
      this.clearTimer('retryTimer');
      this.changeState(ProcessState.STOPPED);
      return null;
    }
    if (!this.currentPid) {
      const message = `attempted to kill ${this.name} with sig ${describeSignal(signal)} but it wasn't running`;
      this.logger.debug(message);
      return message;
    }
    const asGroup = this.currentState === ProcessState.STOPPING ? this.config.killasgroup : this.config.stopasgroup;
    this.logger.debug(`killing ${this.name} (pid ${this.currentPid}) ${asGroup ? 'process group ' : ''}with signal ${describeSignal(signal)}`);
    this.killing = true;
    this.armKillTimer();
    this.changeState(ProcessState.STOPPING);
    try {
      process.kill(asGroup ? -this.currentPid : this.currentPid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
        this.logger.debug(`unable to signal ${this.name} (pid ${this.currentPid}), it probably just exited on its own: ${(err as Error).message}`);
        return null;
      }
      const message = `unknown problem killing ${this.name} (${this.currentPid}):${(err as Error).stack ?? String(err)}`;
      this.logger.critical(message);
      this.changeState(ProcessState.UNKNOWN);
      this.killing = false;
      this.clearTimer('killTimer');
      return message;
    }
    return null;
  }

  /** Send any signal to the pid only, without changing state (ctl `signal`). Returns an error message or null. */
  signal(signal: number): string | null {
    if (!this.currentPid) {
      const message = `attempted to send ${this.name} sig ${describeSignal(signal)} but it wasn't running`;
      this.logger.debug(message);
      return message;
    }
    this.logger.debug(`sending ${this.name} (pid ${this.currentPid}) sig ${describeSignal(signal)}`);
    try {
      process.kill(this.currentPid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
        this.logger.debug(`unable to signal ${this.name} (pid ${this.currentPid}), it probably just now exited on its own: ${(err as Error).message}`);
        return null;
      }
      const message = `unknown problem sending sig ${this.name} (${this.currentPid}):${(err as Error).stack ?? String(err)}`;
      this.logger.critical(message);
      this.changeState(ProcessState.UNKNOWN);
      return message;
    }
    return null;
  }

  /** BACKOFF -> FATAL (row 10, and row 11 when supervisord stops). */
  giveUp(): void {
    if (this.currentState !== ProcessState.BACKOFF) return;
    this.clearTimer('retryTimer');
    this.backoff = 0;
    this.changeState(ProcessState.FATAL);
  }

  getInfo(): ProcessInfo {
    const info = {
      name: this.name,
      group: this.group,
      start: Math.floor(this.laststart / 1000),
      stop: Math.floor(this.laststop / 1000),
      now: Math.floor(Date.now() / 1000),
      state: this.currentState,
      statename: processStateName(this.currentState),
      spawnerr: this.spawnError ?? '',
      exitstatus: this.exitStatus ?? 0,
      logfile: this.options.logPaths.stdout ?? '',
      stdout_logfile: this.options.logPaths.stdout ?? '',
      stderr_logfile: this.options.logPaths.stderr ?? '',
      pid: this.currentPid,
    };
    return { ...info, description: describeProcess(info) };
  }

  /**
   * Queue bytes for the child's stdin (sendProcessStdin). 'not-running' without a pid or while
   * being stopped; 'closed' when the child closed its stdin; 'full' past maxQueued unread bytes.
   */
  /**
   * Writes `data`; parts given as an array go out together (one writev), not copied into one.
   * On 'ok', `written` is called once the bytes left the daemon or the write failed.
   */
  writeStdin(data: Buffer | readonly Buffer[], maxQueued: number, written?: () => void): 'ok' | 'not-running' | 'closed' | 'full' {
    if (!this.currentPid || this.killing) return 'not-running';
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || stdin.writableEnded) return 'closed';
    const parts = Buffer.isBuffer(data) ? [data] : data;
    let bytes = 0;
    for (const part of parts) bytes += part.length;
    if (stdin.writableLength + bytes > maxQueued) return 'full';
    const last = parts.length - 1;
    if (last > 0) stdin.cork();
    parts.forEach((part, i) => (i === last && written ? stdin.write(part, () => written()) : stdin.write(part)));
    if (last > 0) stdin.uncork();
    return 'ok';
  }

  /** Reopen the child log files (SIGUSR2, or after logrotate). */
  async reopenLogs(): Promise<void> {
    await this.output.reopen();
  }

  /** Empty both log files (4.2.5's clearProcessLogs); throws the file system's error. */
  async clearLogs(): Promise<void> {
    await this.output.clear();
  }

  /** Close the child log files once their queued bytes are written (group removal, daemon exit). */
  async closeLogs(): Promise<void> {
    await this.output.close();
  }

  private launchRequest(): LaunchRequest {
    const { filename, argv } = resolveCommand(this.config.command, searchPath(this.config.environment, this.options.daemonEnv));
    const env = childEnvironment({
      daemonEnv: this.options.daemonEnv,
      serverUrl: this.config.serverurl ?? this.options.serverUrl,
      processName: this.name,
      groupName: this.group,
      environment: this.config.environment,
    });
    return {
      filename,
      argv,
      env,
      directory: this.config.directory,
      umask: this.config.umask,
      uid: this.config.uid,
      gid: this.config.gid,
      rlimits: this.config.extensions.rlimits,
    };
  }

  private failStart(failure: LaunchFailure): void {
    if (this.currentState !== ProcessState.STARTING) return;
    if (failure.childStderr !== null) {
      this.output.open();
      this.output.fileFor('stderr')?.write(Buffer.from(failure.childStderr));
    }
    this.logger.info(`spawnerr: ${failure.detail}`);
    this.spawnError = failure.spawnerr;
    this.laststop = Date.now();
    this.enterBackoff();
  }

  private adoptChild({ child, stdout, stderr }: LaunchedChild): number {
    const pid = child.pid as number;
    this.child = child;
    this.currentPid = pid;
    // an unhandled 'error' on a ChildProcess would throw out of the event loop and take the daemon down
    child.on('error', (err) => this.logger.error(`${this.name} (pid ${pid}): ${err.message}`));
    child.stdin?.on('error', () => {
      // the child closed its stdin: nothing to tell anyone
    });
    const outputClosed = whenAllClosed(stderr ? [stdout, stderr] : [stdout]);
    child.once('exit', (code, signal) => {
      const exitedAt = performance.now();
      const exitedAtEpoch = Date.now();
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(grace);
        this.guard(() => this.finish(child, pid, code, signal, exitedAt, exitedAtEpoch));
      };
      // 4.2.5 drains the pipes before handling an exit; a grandchild holding them open must not delay it long
      const grace = setTimeout(finish, DRAIN_GRACE_MS);
      void outputClosed.then(finish);
    });
    this.logger.info(`spawned: '${this.name}' with pid ${pid}`);
    this.armStartTimer();
    return pid;
  }

  private armStartTimer(): void {
    this.clearTimer('startTimer');
    const remaining = this.config.startsecs * 1000 - (performance.now() - this.startedAt);
    this.startTimer = setTimeout(() => this.guard(() => this.onStartTimer()), Math.max(0, Math.ceil(remaining)) + 1);
  }

  // Row 5: RUNNING once alive strictly longer than startsecs
  private onStartTimer(): void {
    this.startTimer = NONE;
    if (this.currentState !== ProcessState.STARTING) return;
    if (performance.now() - this.startedAt > this.config.startsecs * 1000) this.enterRunning();
    else this.armStartTimer();
  }

  private enterRunning(): void {
    this.clearTimer('startTimer');
    this.backoff = 0;
    this.changeState(ProcessState.RUNNING);
    this.logger.info(`success: ${this.name} entered RUNNING state, process has stayed up for > than ${this.config.startsecs} seconds (startsecs)`);
    this.healthMonitor?.start();
  }

  private onHealthVerdict(verdict: HealthVerdict): void {
    if (this.currentState !== ProcessState.RUNNING) return;
    const change: HealthChange = { process: this.name, group: this.group, pid: this.currentPid, ...verdict, at: Date.now() };
    // logged before anyone hears of it, so that what it sets off (a dependent's start) reads after
    if (verdict.to === 'healthy') this.logger.info(`health check passed: ${this.name} is healthy (${verdict.detail})`);
    else this.logger.warn(`health check failed ${verdict.failures} times in a row: ${this.name} (${verdict.detail}); restarting`);
    emitSafely(this, 'health', change, (err) => this.logger.error(`a health listener of ${this.name} failed: ${(err as Error).stack ?? String(err)}`));
    if (verdict.to === 'healthy' || this.currentState !== ProcessState.RUNNING) return;
    this.restartWhenStopped = 'health';
    this.kill(signalNumber(this.config.stopsignal) ?? 15);
  }

  private finish(child: ChildHandle, pid: number, code: number | null, signal: NodeJS.Signals | null, exitedAt: number, exitedAtEpoch: number): void {
    if (this.child !== child) return;
    this.clearTimer('startTimer');
    const exitstatus = signal !== null ? -1 : (code ?? -1);
    const uptimeMs = exitedAt - this.startedAt;
    const record: ExitRecord = {
      pid,
      exitstatus,
      signal,
      coreDumped: signal !== null && child.coreDumped === true,
      expected: this.config.exitcodes.includes(exitstatus),
      tooQuickly: uptimeMs < this.config.startsecs * 1000,
      stopRequested: this.killing,
      at: exitedAtEpoch,
      // whole milliseconds: the monotonic clock's fractions would reach plugins' payloads as floats
      uptimeMs: Math.round(uptimeMs),
    };
    this.lastExitRecord = record;
    this.laststop = exitedAtEpoch;
    const how = describeExit(record);

    if (record.stopRequested) {
      // Row 14
      this.killing = false;
      this.clearTimer('killTimer');
      this.exitStatus = exitstatus;
      this.changeState(ProcessState.STOPPED, { exit: record });
      if (record.expected) this.logger.info(`stopped: ${this.name} (${how})`);
      else this.logger.warn(`stopped: ${this.name} (${how})`);
    } else if (record.tooQuickly) {
      // Row 6: always "not expected", whatever exitcodes says
      this.exitStatus = null;
      this.spawnError = EXITED_TOO_QUICKLY;
      this.releaseChild();
      this.enterBackoff(record, () => this.logger.warn(`exited: ${this.name} (${how}; not expected)`));
      return;
    } else {
      // Rows 8 and 9
      this.backoff = 0;
      this.exitStatus = exitstatus;
      if (this.currentState === ProcessState.STARTING) this.enterRunning();
      if (!record.expected) this.spawnError = `Bad exit code ${exitstatus}`;
      this.changeState(ProcessState.EXITED, { exit: record, expected: record.expected });
      if (record.expected) this.logger.info(`exited: ${this.name} (${how}; expected)`);
      else this.logger.warn(`exited: ${this.name} (${how}; not expected)`);
    }
    this.releaseChild();
    if (this.currentState === ProcessState.EXITED) this.scheduleAutorestart(record);
    if (this.currentState === ProcessState.STOPPED && this.restartWhenStopped !== null) {
      this.restartWhenStopped = null;
      if (this.options.mayStartAutomatically()) this.spawn();
    }
  }

  private releaseChild(): void {
    this.child = null;
    this.currentPid = 0;
  }

  // Rows 6/7 then 4 or 10: the n-th failure waits n seconds; more than startretries failures is FATAL
  private enterBackoff(exit?: ExitRecord, logAfterChange?: () => void): void {
    this.backoff += 1;
    this.changeState(ProcessState.BACKOFF, exit ? { exit, tries: this.backoff } : { tries: this.backoff });
    logAfterChange?.();
    if (this.currentState !== ProcessState.BACKOFF) return;
    const policy = this.config.extensions.restart;
    if (this.backoff > this.config.startretries && !policy.forever) {
      this.giveUp();
      this.logger.info(`gave up: ${this.name} entered FATAL state, too many start retries too quickly`);
      return;
    }
    const delay = backoffDelaySecs(policy, this.backoff);
    // 4.2.5's own policy says nothing here; a policy of ours tells what it decided
    if (!isDefaultPolicy(policy)) this.logger.info(`retrying ${this.name} in ${delay} s (${policy.strategy} backoff, attempt ${this.backoff})`);
    this.retryTimer = setTimeout(() => (this.queuedStart = startSoon(() => this.guard(() => this.onRetryTimer()))), delay * 1000);
  }

  private onRetryTimer(): void {
    this.retryTimer = NONE;
    this.queuedStart = null;
    if (this.currentState === ProcessState.BACKOFF && this.options.mayStartAutomatically()) this.spawn();
  }

  // Row 3
  private scheduleAutorestart(exit: ExitRecord): void {
    const policy = this.config.autorestart;
    if (policy === 'false' || (policy === 'unexpected' && exit.expected)) return;
    if (!this.options.mayStartAutomatically()) return;
    const wait = Math.max(0, this.startedAt + MIN_AUTORESTART_INTERVAL_MS - performance.now());
    this.restartTimer = setTimeout(() => (this.queuedStart = startSoon(() => this.guard(() => this.onRestartTimer()))), wait);
  }

  private onRestartTimer(): void {
    this.restartTimer = NONE;
    this.queuedStart = null;
    if (this.currentState === ProcessState.EXITED && this.options.mayStartAutomatically()) this.spawn();
  }

  // Row 15: SIGKILL every stopwaitsecs while the child survives
  private armKillTimer(): void {
    this.clearTimer('killTimer');
    this.killTimer = setTimeout(() => this.guard(() => this.onKillTimer()), this.config.stopwaitsecs * 1000);
  }

  private onKillTimer(): void {
    this.killTimer = NONE;
    if (this.currentState !== ProcessState.STOPPING || !this.currentPid) return;
    this.logger.warn(`killing '${this.name}' (${this.currentPid}) with SIGKILL`);
    this.kill(9);
  }

  private clearTimer(which: 'startTimer' | 'retryTimer' | 'restartTimer' | 'killTimer'): void {
    clearTimeout(this[which]);
    this[which] = NONE;
    if (which === 'retryTimer' || which === 'restartTimer') {
      this.queuedStart?.cancel();
      this.queuedStart = null;
    }
  }

  private changeState(to: ProcessState, extra: Pick<StateChange, 'exit' | 'expected' | 'tries'> = {}): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    if (from === ProcessState.RUNNING) this.healthMonitor?.stop();
    const change: StateChange = { process: this.name, group: this.group, from, to, pid: this.currentPid, ...extra, at: Date.now() };
    if (to === ProcessState.STARTING) change.tries = this.backoff;
    emitSafely(this, 'state', change, (err) =>
      this.logger.error(`a state listener of ${this.name} failed: ${(err as Error).stack ?? String(err)}`),
    );
  }

  // Timer and child callbacks run outside any caller: an exception there must be logged, never crash the daemon
  private guard(action: () => void): void {
    try {
      action();
    } catch (err) {
      this.logger.critical(`internal error handling ${this.name}: ${(err as Error).stack ?? String(err)}`);
    }
  }
}

/** Resolves once every stream has closed (the child and any grandchild let go of its output pipes). */
function whenAllClosed(streams: Readable[]): Promise<void> {
  return Promise.all(
    streams.map((stream) => (stream.closed ? undefined : new Promise<void>((resolve) => stream.once('close', () => resolve())))),
  ).then(() => undefined);
}
