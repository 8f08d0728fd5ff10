// Runs our supervisord as PID 1 of a new pid namespace (`unshare -fp --mount-proc`), the way it
// runs as a container's entrypoint: orphans in the namespace are re-parented to it, and the
// kernel only delivers it the signals it handles.
import fs from 'node:fs';
import { childPids, startDaemon, waitFor, type RunningDaemon } from './daemon.js';

export interface Pid1Daemon extends RunningDaemon {
  /** the daemon's pid as this (outer) namespace sees it: the one to signal and to read in /proc */
  hostPid: number;
}

export async function startAsPid1(dir: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Pid1Daemon> {
  const daemon = startDaemon(dir, args, { env, launcher: ['unshare', '-fp', '--mount-proc'] });
  // unshare -f forks once: its only child is the namespace's PID 1, our node
  const hostPid = await waitFor(() => childPids(daemon.child.pid!)[0], 10_000, `the daemon under unshare\n${daemon.output()}`);
  const signalDaemon = async (): Promise<void> => {
    if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
    try {
      process.kill(hostPid, 'SIGTERM');
    } catch {
      // already gone
    }
    await daemon.exited;
  };
  return { ...daemon, hostPid, stop: signalDaemon };
}

/** Zombie (state Z) children of `pid`, from /proc/PID/stat. */
export function zombieChildren(pid: number): number[] {
  return childPids(pid).filter((child) => {
    try {
      const stat = fs.readFileSync(`/proc/${child}/stat`, 'latin1');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    } catch {
      return false;
    }
  });
}
