// Waiting for our children through libc (Node has no waitpid): for the programs we start with
// posix_spawn (process/posix-spawn.ts) and for orphans re-parented to us (daemon/orphan-reaper.ts).
// Never waitpid(-1): it would take the exits of the children libuv waits for.
import { libc } from './libc.js';

const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
/** siginfo_t is 128 bytes; si_pid follows si_signo, si_errno, si_code and padding on 64-bit Linux */
const SIGINFO_BYTES = 128;
const SI_PID_OFFSET = 16;

export interface ChildWait {
  /** waitpid(pid, WNOHANG): [the pid if it was reaped, else 0 or -1; its raw wait status] */
  reap(pid: number): [number, number];
  /** A child that has exited and is not waited for yet, left as it is (waitid WNOWAIT); 0 = none. */
  peekExited(): number;
}

let bound: ChildWait | string | undefined;

/** The calls, or why they cannot be had here. */
export function childWait(): ChildWait | string {
  bound ??= bind();
  return bound;
}

function bind(): ChildWait | string {
  const lib = libc();
  if (typeof lib === 'string') return lib;
  let waitpid: (pid: number, status: Int32Array, options: number) => number;
  let waitid: (idtype: number, id: number, info: Buffer, options: number) => number;
  try {
    waitpid = lib.func('int waitpid(int pid, _Out_ int *status, int options)');
    waitid = lib.func('int waitid(int idtype, int id, void *info, int options)');
  } catch (err) {
    return `waitpid or waitid is not in the C library (${(err as Error).message})`;
  }
  const status = new Int32Array(1);
  const info = Buffer.alloc(SIGINFO_BYTES);
  return {
    reap(pid) {
      status[0] = 0;
      const result = waitpid(pid, status, WNOHANG);
      return [result, status[0] as number];
    },
    peekExited() {
      info.fill(0);
      if (waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) !== 0) return 0;
      return info.readInt32LE(SI_PID_OFFSET);
    },
  };
}
