// CPU and memory of every running child, read from /proc on one timer for all of them. The timer
// runs only while a page is open, so an idle daemon does no sampling at all.
import fs from 'node:fs';
import type { Supervisor } from '../process/supervisor.js';

export const SAMPLE_INTERVAL_MS = 2000;
/** three minutes of samples: the sparklines' width */
const SAMPLES_KEPT = 90;
// USER_HZ: the unit of utime/stime in /proc/PID/stat, 100 on every Linux ABI Node runs on
const CLOCK_TICKS_PER_SECOND = 100;

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

/** utime + stime of a pid, or null when it is gone. */
function cpuTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: fields are counted from the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function residentBytes(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return null;
  }
}

export class ResourceSampler {
  private readonly samples = new Map<string, ResourceSample[]>();
  private readonly lastCpu = new Map<string, CpuReading>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly onSample: (at: number, values: Record<string, ResourceSample>) => void,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer !== null) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  all(): Record<string, ResourceSample[]> {
    return Object.fromEntries(this.samples);
  }

  private sample(): void {
    const at = Date.now();
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
      const sample = this.read(namespec, proc.pid, at);
      const list = this.samples.get(namespec) ?? [];
      list.push(sample);
      if (list.length > SAMPLES_KEPT) list.shift();
      this.samples.set(namespec, list);
      values[namespec] = sample;
    }
    this.onSample(at, values);
  }

  private read(namespec: string, pid: number, at: number): ResourceSample {
    const ticks = pid > 0 ? cpuTicks(pid) : null;
    const rss = pid > 0 ? residentBytes(pid) : null;
    if (ticks === null || rss === null) {
      this.lastCpu.delete(namespec);
      return { at, cpu: 0, rss: 0 };
    }
    const previous = this.lastCpu.get(namespec);
    this.lastCpu.set(namespec, { pid, ticks, at });
    // the first reading of a pid has nothing to compare with
    if (previous === undefined || previous.pid !== pid || at <= previous.at) return { at, cpu: 0, rss };
    const cpu = ((ticks - previous.ticks) / CLOCK_TICKS_PER_SECOND / ((at - previous.at) / 1000)) * 100;
    return { at, cpu: Math.max(0, Math.round(cpu * 10) / 10), rss };
  }
}
