// Reaps the processes that become our children without Node having spawned them. As PID 1 (a
// container's entrypoint) every orphan in the container is re-parented to us, and the kernel keeps
// it a zombie until we wait for it. libuv waits only for the children Node spawned, one waitpid()
// per known pid, so the rest needs a waitpid of our own, called through libc (ADR 0006).
//
// The one rule: never wait for a pid that Node spawned, or libuv loses that child's exit and its
// 'exit' event never comes. So every ChildProcess spawn is recorded, and only other pids are reaped.
import fs from 'node:fs';
import process from 'node:process';
import { ChildProcess } from 'node:child_process';
import { describeExit } from '../process/exit-record.js';
import { describeSignal } from '../process/signals.js';
import { childWait, type ChildWait } from '../util/child-wait.js';

/** a bound on what waits for the next main log: the reaping itself never waits */
const MAX_UNTOLD = 1000;

export interface ReapedProcess {
  pid: number;
  /** 4.2.5's decode_wait_status text: "exit status 0", "terminated by SIGKILL" */
  how: string;
}


/** The pids of every child that someone else waits for: libuv (Node's spawns) or posix-spawn.ts. */
const waitedElsewhere = new Set<number>();
let spawnTracked = false;

/**
 * Records every pid that child_process spawns (spawn, exec, execFile and fork all go through
 * ChildProcess.prototype.spawn) until its 'exit', which libuv emits after reaping it. Call before
 * the first spawn. spawnSync needs no record: it reaps its child before returning.
 */
export function trackNodeChildren(): void {
  if (spawnTracked) return;
  spawnTracked = true;
  // not in @types/node, but the one path of every async spawn since Node 0.x
  const proto = ChildProcess.prototype as unknown as { spawn: (this: ChildProcess, ...args: unknown[]) => unknown };
  const spawn = proto.spawn;
  proto.spawn = function trackedSpawn(this: ChildProcess, ...args: unknown[]) {
    const result = spawn.apply(this, args);
    const pid = this.pid;
    if (pid !== undefined) {
      waitedElsewhere.add(pid);
      this.once('exit', () => waitedElsewhere.delete(pid));
    }
    return result;
  };
}

/**
 * Tells the reaper that `pid` is waited for elsewhere (a program started by posix_spawn, which
 * its own module reaps). Returns the release, for once it has been reaped.
 */
export function claimChild(pid: number): () => void {
  waitedElsewhere.add(pid);
  return () => waitedElsewhere.delete(pid);
}

export class OrphanReaper {
  private sweepScheduled = false;
  private readonly onSigchld = (): void => this.scheduleSweep();
  private listener: ((reaped: ReapedProcess) => void) | null = null;
  // reaped between two runs of a reload, while no main log is open; told to the next run
  private readonly untold: ReapedProcess[] = [];

  private constructor(private readonly wait: ChildWait) {}

  /** Who hears of each reaped process (the run's main log); those reaped meanwhile are told at once. */
  setListener(listener: ((reaped: ReapedProcess) => void) | null): void {
    this.listener = listener;
    if (listener) for (const reaped of this.untold.splice(0)) listener(reaped);
  }

  /**
   * Starts reaping, or returns the reason it cannot (no libc binding on this platform). Not
   * an error when we are not PID 1: then no orphan is ever re-parented to us.
   */
  static async start(): Promise<OrphanReaper | string> {
    trackNodeChildren();
    const wait = childWait();
    if (typeof wait === 'string') return wait;
    const reaper = new OrphanReaper(wait);
    process.on('SIGCHLD', reaper.onSigchld);
    // zombies that were already waiting (e.g. re-parented before we got here)
    reaper.sweep();
    return reaper;
  }

  stop(): void {
    process.off('SIGCHLD', this.onSigchld);
  }

  // After the SIGCHLD that libuv handles too: by then libuv has reaped its own children, and
  // several exits in a burst cost one sweep.
  private scheduleSweep(): void {
    if (this.sweepScheduled) return;
    this.sweepScheduled = true;
    setImmediate(() => {
      this.sweepScheduled = false;
      this.sweep();
    });
  }

  /** Waits (without blocking) for every child of ours that nobody else waits for. */
  sweep(): void {
    // the usual case, no zombie at all, costs one waitid; an orphan shown first is taken at once
    for (;;) {
      const pid = this.wait.peekExited();
      if (pid <= 0) return;
      if (waitedElsewhere.has(pid)) break;
      if (!this.reap(pid)) break;
    }
    // a zombie of Node's or posix-spawn.ts's hides the rest from waitid: ask each child
    for (const pid of listChildren()) {
      if (!waitedElsewhere.has(pid)) this.reap(pid);
    }
  }

  private reap(pid: number): boolean {
    let reaped: number;
    let status: number;
    try {
      [reaped, status] = this.wait.reap(pid);
    } catch {
      return false;
    }
    if (reaped !== pid) return false;
    const record = { pid, how: describeWaitStatus(status) };
    if (this.listener) this.listener(record);
    else if (this.untold.length < MAX_UNTOLD) this.untold.push(record);
    return true;
  }
}

/** 4.2.5's decode_wait_status over a raw status word. */
export function describeWaitStatus(status: number): string {
  const signal = status & 0x7f;
  if (signal === 0) return describeExit({ exitstatus: (status >> 8) & 0xff, signal: null, coreDumped: false });
  return describeExit({ exitstatus: -1, signal: describeSignal(signal), coreDumped: (status & 0x80) !== 0 });
}

/**
 * Our children's pids. The kernel lists each thread's children in /proc/self/task/TID/children
 * (orphans go to whichever of our threads is alive); without that file (a kernel built without
 * CONFIG_PROC_CHILDREN), every process whose parent is us, from /proc/PID/stat.
 */
export function listChildren(): number[] {
  const pids = new Set<number>();
  let tasks: string[];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  let childrenFiles = 0;
  for (const tid of tasks) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/self/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    childrenFiles++;
    for (const word of text.split(' ')) if (word) pids.add(Number(word));
  }
  if (childrenFiles > 0) return [...pids];
  return childrenFromStat(process.pid);
}

function childrenFromStat(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      // the name is in parentheses and may hold anything: the fields that follow come after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
