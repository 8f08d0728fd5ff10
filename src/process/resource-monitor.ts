// The one sampler of the supervised processes' resources: a pass over /proc (process-table.ts) for
// every running process together, on a timer that runs only while someone needs it: every
// MEMORY_SAMPLE_INTERVAL_MS while a program has memory_limit, and at the pace of whoever else asks
// (the web page, while one is open). With neither, the daemon reads nothing. Each pass hands every
// process its reading (its memory_limit is judged there) and then tells the 'sample' listeners.
import { EventEmitter } from 'node:events';
import { ProcessTable, type TreeUsage } from './process-table.js';
import type { Subprocess } from './subprocess.js';

/** how often memory is sampled while some program has a memory_limit (ADR 0017 measures the cost) */
export const MEMORY_SAMPLE_INTERVAL_MS = 1000;

/** A reading of one process tree, with the pid it was taken of and when. */
export interface UsageReading extends TreeUsage {
  pid: number;
  /** epoch milliseconds */
  at: number;
}

interface ResourceMonitorEvents {
  /** a pass ended; each process's reading is its `resourceUsage` */
  sample: [number];
}

export class ResourceMonitor extends EventEmitter<ResourceMonitorEvents> {
  private readonly table = new ProcessTable();
  /** who asked for passes, and how often */
  private readonly demands = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private intervalMs: number | null = null;

  constructor(private readonly processes: () => readonly Subprocess[]) {
    super();
  }

  /** Passes at least every `intervalMs` for `who`; null withdraws the demand. */
  demand(who: string, intervalMs: number | null): void {
    if (intervalMs === null) this.demands.delete(who);
    else this.demands.set(who, intervalMs);
    this.reschedule();
  }

  /** After the set of processes changed: a program with memory_limit keeps the timer running. */
  refresh(): void {
    const limited = this.processes().some((p) => p.config.extensions.memoryLimit !== null);
    if (limited) this.demands.set('memory_limit', MEMORY_SAMPLE_INTERVAL_MS);
    else this.demands.delete('memory_limit');
    this.reschedule();
  }

  /** The interval passes run at now; null when none run. */
  get interval(): number | null {
    return this.intervalMs;
  }

  stop(): void {
    this.demands.clear();
    this.reschedule();
  }

  private reschedule(): void {
    const wanted = this.demands.size === 0 ? null : Math.min(...this.demands.values());
    if (wanted === this.intervalMs) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.intervalMs = wanted;
    if (wanted === null) return;
    this.timer = setInterval(() => this.pass(), wanted);
    // the timer alone must not keep a stopping daemon alive
    this.timer.unref();
    this.pass();
  }

  private pass(): void {
    const at = Date.now();
    // memory_limit alone needs only its programs; a page shows every process
    const everyProcess = [...this.demands.keys()].some((who) => who !== 'memory_limit');
    const sampled = this.processes().filter((p) => p.pid > 0 && (everyProcess || p.config.extensions.memoryLimit !== null));
    const usage = this.table.read(sampled.map((p) => p.pid));
    for (const proc of this.processes()) {
      const tree = proc.pid > 0 ? usage.get(proc.pid) : undefined;
      proc.noteUsage(tree ? { ...tree, pid: proc.pid, at } : null);
    }
    try {
      this.emit('sample', at);
    } catch {
      // a listener's own failure (the page hub logs its own); the next pass comes anyway
    }
  }
}
