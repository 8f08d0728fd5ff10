// V8's defaults suit a program that allocates fast for a short while; a supervisor is the
// opposite, a long-lived process that is idle nearly always and sits in every pod. Node 20 takes
// heap sizes only on its command line (v8.setFlagsFromString is too late: the heap is configured
// at start-up), so the daemon replaces itself, once, with the same program under these flags:
// execv keeps the PID, the descriptors, the environment and the arguments, so signals and
// getPID() still reach the daemon and nothing above it can tell. docs/decisions/0020 has the
// measured effect of each flag.
import process from 'node:process';
import { libc } from '../util/libc.js';

export const DAEMON_NODE_FLAGS: readonly string[] = [
  // the young generation: two 16 MiB semi-spaces grown during a boot of 1000 programs, kept for
  // good; at 4 MiB the boot keeps most of the saving, at 1 MiB a plugin taking a firehose of
  // lines spent three times the CPU in scavenges (ADR 0020)
  '--max-semi-space-size=4',
  // V8's background threads (GC and compiler helpers): one per core by default, each with its
  // stack and allocation buffers; the daemon's own thread does nearly all the work
  '--v8-pool-size=1',
];

/** Set to 0 to run the daemon under V8's defaults (no re-exec). */
export const NODE_FLAGS_ENV = 'SUPERVISOR_TS_NODE_FLAGS';

/** The flags this process still lacks: none when given on the command line or in NODE_OPTIONS. */
export function missingDaemonFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map((arg) => arg.split('=')[0]!.replace(/_/g, '-'));
  return DAEMON_NODE_FLAGS.filter((flag) => !given.includes(flag.split('=')[0]!));
}

/**
 * Replaces this process with itself under DAEMON_NODE_FLAGS; returns only when that is not
 * needed or not possible (no C library through koffi, execv failed): the daemon then runs under
 * V8's defaults, which only costs memory.
 */
export function reexecWithDaemonFlags(): void {
  if (process.env[NODE_FLAGS_ENV] === '0') return;
  const missing = missingDaemonFlags(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length === 0) return;
  const lib = libc();
  if (typeof lib === 'string') return;
  const execv = lib.func('int execv(const char *path, const char **argv)');
  const fcntl = lib.func('int fcntl(int fd, int cmd, int arg)');
  // Node marks every descriptor it finds at start-up close-on-exec: stdin, stdout and stderr must
  // reach the new image (the ones above 2 are never passed to programs either, inherited-fds.ts;
  // they are closed here rather than later)
  for (const fd of [0, 1, 2]) {
    const flags = fcntl(fd, F_GETFD, 0);
    if (flags >= 0 && (flags & FD_CLOEXEC) !== 0 && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) return;
  }
  const argv = [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)];
  execv(process.execPath, [...argv, null]);
  // still here: execv failed, and the daemon runs on under V8's defaults
}

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
