// Resident memory and CPU time of each supervised process tree (the program and its descendants),
// read from /proc in one pass for every program together. The kernel here may lack
// /proc/PID/task/TID/children, so descendants are found by parent pid: a pass lists /proc, reads
// the stat of the pids that may be ours, and remembers those that are not (the daemon's neighbours)
// so that later passes skip them; every FULL_PASS_EVERY passes it reads them all again, in case a
// pid was reused, and so does a pass asked about a root it took for someone else's.
import fs from 'node:fs';

/** one pass in this many reads every pid, even those known to be someone else's */
const FULL_PASS_EVERY = 30;

export interface TreeUsage {
  /** resident bytes of the process and all its descendants */
  rss: number;
  /** utime + stime of the process itself, in clock ticks */
  cpuTicks: number;
  /** processes counted in rss */
  processes: number;
}

interface StatLine {
  ppid: number;
  rssPages: number;
  cpuTicks: number;
}

// one buffer for every read: a stat line is a few hundred bytes (the command name is at most 64)
const statBuffer = Buffer.alloc(2048);

function readStat(pid: number): StatLine | null {
  try {
    // open/read/close into a reused buffer: half the CPU of readFileSync, which also fstats and allocates
    const fd = fs.openSync(`/proc/${pid}/stat`, 'r');
    let length: number;
    try {
      length = fs.readSync(fd, statBuffer, 0, statBuffer.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    return parseStat(statBuffer, length);
  } catch {
    return null;
  }
}

const SPACE = 0x20;
const CLOSE_PAREN = 0x29;

/**
 * ppid (field 4), utime + stime (14, 15) and rss (24) of a stat line, read from the bytes without
 * making a string per field: the command name may hold spaces and parentheses, so fields are
 * counted from the last ')'.
 */
function parseStat(bytes: Buffer, length: number): StatLine | null {
  const close = bytes.lastIndexOf(CLOSE_PAREN, length - 1);
  if (close < 0) return null;
  // field 3 (state) starts two bytes after ')'; number the fields from there
  let field = 3;
  let value = 0;
  let ppid = 0;
  let cpuTicks = 0;
  for (let i = close + 2; i < length; i++) {
    const byte = bytes[i]!;
    if (byte === SPACE) {
      if (field === 4) ppid = value;
      else if (field === 14 || field === 15) cpuTicks += value;
      else if (field === 24) return { ppid, cpuTicks, rssPages: value };
      field++;
      value = 0;
    } else if (byte >= 0x30 && byte <= 0x39) {
      value = value * 10 + (byte - 0x30);
    }
  }
  return null;
}

let pageBytes: number | undefined;

/** The kernel's page size, the unit of rss in /proc/PID/stat (4 KiB on x86, often 16 or 64 KiB on arm64). */
export function pageSize(): number {
  if (pageBytes === undefined) {
    pageBytes = 4096;
    try {
      const fd = fs.openSync('/proc/self/smaps', 'r');
      try {
        const buffer = Buffer.alloc(8192);
        const text = buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0)).toString('latin1');
        const match = /^KernelPageSize:\s+(\d+) kB/m.exec(text);
        if (match) pageBytes = Number(match[1]) * 1024;
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // no smaps (a locked-down /proc): 4 KiB, the common case
    }
  }
  return pageBytes;
}

export class ProcessTable {
  /** pids seen in a pass that descend from none of the roots; skipped until the next full pass */
  private readonly foreign = new Set<number>();
  private passes = 0;
  private procFailed = false;

  /**
   * The usage of each root pid's tree (roots absent from the result are gone). A process counts
   * in its nearest root (programs are all the daemon's children: roots do not nest).
   */
  read(roots: readonly number[]): Map<number, TreeUsage> {
    const result = new Map<number, TreeUsage>();
    if (roots.length === 0) return result;
    const rootSet = new Set(roots);
    // a root seen before as someone else's (a program the last passes did not ask about) may have
    // descendants remembered as foreign too: read everything again
    const full = this.passes++ % FULL_PASS_EVERY === 0 || roots.some((pid) => this.foreign.has(pid));
    if (full) this.foreign.clear();
    let names: string[];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      // not Linux, or no /proc: nothing to read, said once by whoever asked
      this.procFailed = true;
      return result;
    }
    const stats = new Map<number, StatLine>();
    for (const name of names) {
      const first = name.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      const pid = Number(name);
      if (this.foreign.has(pid) && !rootSet.has(pid)) continue;
      const stat = readStat(pid);
      if (stat) stats.set(pid, stat);
    }
    // each pid's root, found by walking up its parents (memoized: a tree is walked once)
    const rootOf = new Map<number, number | null>();
    const findRoot = (pid: number): number | null => {
      const path: number[] = [];
      let current = pid;
      let found: number | null = null;
      for (;;) {
        if (rootSet.has(current)) {
          found = current;
          break;
        }
        const known = rootOf.get(current);
        if (known !== undefined) {
          found = known;
          break;
        }
        const stat = stats.get(current);
        path.push(current);
        if (!stat || stat.ppid <= 1 || path.length > 4096) break;
        current = stat.ppid;
      }
      for (const p of path) rootOf.set(p, found);
      return found;
    };
    const pageBytes = pageSize();
    for (const [pid, stat] of stats) {
      const root = findRoot(pid);
      if (root === null) {
        this.foreign.add(pid);
        continue;
      }
      const usage = result.get(root) ?? { rss: 0, cpuTicks: 0, processes: 0 };
      usage.rss += stat.rssPages * pageBytes;
      usage.processes += 1;
      if (pid === root) usage.cpuTicks = stat.cpuTicks;
      result.set(root, usage);
    }
    return result;
  }

  /** true once /proc could not be listed */
  get unavailable(): boolean {
    return this.procFailed;
  }
}
