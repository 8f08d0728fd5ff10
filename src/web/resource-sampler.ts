// CPU and memory of every running child for the page's sparklines, taken from the daemon's one
// resource sampler (process/resource-monitor.ts), which passes over /proc at this pace only while a
// page is open: an idle daemon without memory_limit does no sampling at all. Memory is the resident
// size of the process and its descendants; CPU is the process's own.
import type { UsageReading } from '../process/resource-monitor.js';
import type { Supervisor } from '../process/supervisor.js';

export const SAMPLE_INTERVAL_MS = 2000;
/** three minutes of samples: the sparklines' width */
const SAMPLES_KEPT = 90;
// USER_HZ: the unit of utime/stime in /proc/PID/stat, 100 on every Linux ABI Node runs on
const CLOCK_TICKS_PER_SECOND = 100;
// passes come every second while a program has memory_limit: the page keeps one per interval
const SAMPLE_SLACK_MS = 250;

export interface ResourceSample {
  /** epoch milliseconds */
  at: number;
  /** percent of one CPU since the previous sample */
  cpu: number;
  /** resident memory in bytes */
  rss: number;
}

interface CpuReading {
  pid: number;
  ticks: number;
  at: number;
}

export class ResourceSampler {
  private readonly samples = new Map<string, ResourceSample[]>();
  private readonly lastCpu = new Map<string, CpuReading>();
  private active = false;
  private lastSampleAt = 0;
  private readonly onPass = (at: number): void => {
    if (at - this.lastSampleAt < SAMPLE_INTERVAL_MS - SAMPLE_SLACK_MS) return;
    this.lastSampleAt = at;
    this.sample(at);
  };

  constructor(
    private readonly supervisor: Supervisor,
    private readonly onSample: (at: number, values: Record<string, ResourceSample>) => void,
  ) {}

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.lastSampleAt = 0;
    this.supervisor.resources.on('sample', this.onPass);
    // a pass at once when the pace changes: the page gets its first sample now
    this.supervisor.resources.demand('web page', SAMPLE_INTERVAL_MS);
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.supervisor.resources.off('sample', this.onPass);
    this.supervisor.resources.demand('web page', null);
  }

  all(): Record<string, ResourceSample[]> {
    return Object.fromEntries(this.samples);
  }

  private sample(at: number): void {
    const values: Record<string, ResourceSample> = {};
    const current = new Set(this.supervisor.processes().map((p) => `${p.group}:${p.name}`));
    // a group removed at run time takes its samples with it
    for (const namespec of this.samples.keys()) {
      if (!current.has(namespec)) {
        this.samples.delete(namespec);
        this.lastCpu.delete(namespec);
      }
    }
    for (const proc of this.supervisor.processes()) {
      const namespec = `${proc.group}:${proc.name}`;
      const sample = this.read(namespec, proc.resourceUsage, at);
      const list = this.samples.get(namespec) ?? [];
      list.push(sample);
      if (list.length > SAMPLES_KEPT) list.shift();
      this.samples.set(namespec, list);
      values[namespec] = sample;
    }
    this.onSample(at, values);
  }

  private read(namespec: string, usage: UsageReading | null, at: number): ResourceSample {
    if (usage === null) {
      this.lastCpu.delete(namespec);
      return { at, cpu: 0, rss: 0 };
    }
    const { pid, cpuTicks: ticks, rss } = usage;
    const previous = this.lastCpu.get(namespec);
    this.lastCpu.set(namespec, { pid, ticks, at });
    // the first reading of a pid has nothing to compare with
    if (previous === undefined || previous.pid !== pid || at <= previous.at) return { at, cpu: 0, rss };
    const cpu = ((ticks - previous.ticks) / CLOCK_TICKS_PER_SECOND / ((at - previous.at) / 1000)) * 100;
    return { at, cpu: Math.max(0, Math.round(cpu * 10) / 10), rss };
  }
}
