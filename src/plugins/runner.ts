// One plugin instance behind its own bounded queue: the bus only pushes (O(1)); a pump calls the
// plugin one event at a time, each call time-boxed, yielding to I/O so it never holds up output.
import type { SupervisorEvent } from '../events/types.js';
import type { PluginHandlers, PluginLogger } from './api.js';

// Longer than this in handlers without returning to the event loop, and the pump yields.
const SLICE_MS = 5;
// Failures and drops are logged at most this often per plugin, with the count since the last line.
const REPORT_INTERVAL_MS = 10_000;

export interface RunnerOptions {
  name: string;
  queueSize: number;
  callTimeoutMs: number;
  log: PluginLogger;
}

export class TimedOut extends Error {}

/** A runner's counts since it started, and its queue now (read by the metrics). */
export interface RunnerStats {
  /** events given to the runner by the bus or the line consumer */
  received: number;
  /** handler calls that returned (or resolved) in time */
  delivered: number;
  /** handler calls that threw or timed out */
  failed: number;
  /** events dropped because the queue was full */
  dropped: number;
  /** output lines inside the dropped PROCESS_LOG events */
  droppedLines: number;
  /** events waiting in the queue */
  queued: number;
}

/** Resolves with the call's outcome or rejects with TimedOut after ms; a sync throw becomes a rejection. */
export async function timeBoxed<T>(call: () => T | Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(call),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimedOut(`did not finish within ${ms / 1000}s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * At most one line per interval. What a window held back is reported when the window ends (with
 * the latest message and the count), so a burst's last drops are in the log without a next one.
 */
class RateLimitedReport {
  private lastAt = 0;
  private suppressed = 0;
  private latest = '';
  private trailing: NodeJS.Timeout | undefined;

  constructor(private readonly emit: (message: string) => void) {}

  report(message: string): void {
    const now = Date.now();
    if (now - this.lastAt < REPORT_INTERVAL_MS) {
      this.suppressed++;
      this.latest = message;
      this.trailing ??= setTimeout(() => this.flush(), this.lastAt + REPORT_INTERVAL_MS - now).unref();
      return;
    }
    this.write(message, this.suppressed);
  }

  /** Reports what is held back now (end of the window, or the plugin is closing). */
  flush(): void {
    // the latest message is one of those held back
    if (this.suppressed > 0) this.write(this.latest, this.suppressed - 1);
  }

  /** Forget what is held back (the caller logs its own totals). */
  cancel(): void {
    clearTimeout(this.trailing);
    this.trailing = undefined;
    this.suppressed = 0;
  }

  private write(message: string, others: number): void {
    clearTimeout(this.trailing);
    this.trailing = undefined;
    this.lastAt = Date.now();
    this.suppressed = 0;
    this.emit(message + (others > 0 ? ` (and ${others} more since the last report)` : ''));
  }
}

export class PluginRunner {
  private queue: (SupervisorEvent | undefined)[] = [];
  private head = 0;
  private handlers: PluginHandlers | null = null;
  private pumping = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly failures: RateLimitedReport;
  private readonly drops: RateLimitedReport;
  /** events dropped because the queue was full */
  dropped = 0;
  /** output lines inside the dropped PROCESS_LOG events */
  droppedLines = 0;
  /** calls that threw or timed out */
  failed = 0;
  delivered = 0;
  private received = 0;

  constructor(private readonly options: RunnerOptions) {
    this.failures = new RateLimitedReport((m) => options.log.error(m));
    this.drops = new RateLimitedReport((m) => options.log.warn(m));
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  get stats(): RunnerStats {
    const { received, delivered, failed, dropped, droppedLines, queued } = this;
    return { received, delivered, failed, dropped, droppedLines, queued };
  }

  /** Called by the bus: queue, dropping the oldest when full; never calls the plugin synchronously. */
  accept(event: SupervisorEvent): void {
    if (this.closed) return;
    this.received++;
    if (this.queued >= this.options.queueSize) {
      const oldest = this.queue[this.head];
      this.queue[this.head++] = undefined;
      this.dropped++;
      if (oldest && 'lines' in oldest) this.droppedLines += oldest.lines.length;
      this.drops.report(`queue full (${this.options.queueSize} events): dropped the oldest event, ${this.dropped} dropped so far`);
    }
    this.queue.push(event);
    this.schedule();
  }

  /** The plugin is set up: start delivering what queued meanwhile. */
  start(handlers: PluginHandlers): void {
    this.handlers = handlers;
    this.schedule();
  }

  /** Stop accepting; resolves when the queue is empty and the current call ended (or timed out). */
  drain(): Promise<void> {
    this.closed = true;
    if (!this.pumping && (this.queued === 0 || this.handlers === null)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The run is over: rate-limited lines still held back are left to the totals the host logs. */
  stopReports(): void {
    this.failures.cancel();
    this.drops.cancel();
  }

  private schedule(): void {
    if (this.pumping || this.handlers === null || this.queued === 0) return;
    this.pumping = true;
    setImmediate(() => void this.pump());
  }

  private async pump(): Promise<void> {
    const handle = this.handlers?.event?.bind(this.handlers);
    let sliceStart = performance.now();
    while (this.queued > 0) {
      const event = this.queue[this.head]!;
      this.queue[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (handle) await this.call(() => handle(event), event.type);
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    this.pumping = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async call(fn: () => void | Promise<void>, what: string): Promise<void> {
    try {
      const result = fn();
      // a synchronous handler costs no timer
      if (result instanceof Promise) await timeBoxed(() => result, this.options.callTimeoutMs);
      this.delivered++;
    } catch (err) {
      this.failed++;
      const reason = err instanceof TimedOut ? err.message + ', moving on' : `threw ${(err as Error)?.stack ?? String(err)}`;
      this.failures.report(`${what} handler ${reason}`);
    }
  }
}
