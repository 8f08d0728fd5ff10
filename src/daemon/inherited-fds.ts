// Descriptors supervisord inherits from whoever started it (a shell's `exec 200>file`, a job
// runner's pipe) would pass on to every program: fork+exec and posix_spawn keep every descriptor
// that is not close-on-exec. 4.2.5 closes 3..minfds in each forked child. Node opens all of its own
// descriptors close-on-exec, so marking the inherited ones once, before the first spawn, leaves
// programs, event listeners and helpers only 0, 1 and 2 on every start path (posix-spawn.ts also
// closes from 3 in the child, for a descriptor some native code might open later without the flag).
import fs from 'node:fs';
import { libc } from '../util/libc.js';

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

/**
 * Marks every open descriptor above 2 close-on-exec; the daemon itself keeps using them. Returns
 * why it could not (no koffi, no /proc or /dev/fd), or null.
 */
export function closeInheritedOnExec(): string | null {
  const lib = libc();
  if (typeof lib === 'string') return lib;
  let fcntl: (fd: number, command: number, argument: number) => number;
  try {
    fcntl = lib.func('int fcntl(int fd, int cmd, int arg)');
  } catch (err) {
    return `fcntl is not in the C library (${(err as Error).message})`;
  }
  const fds = openDescriptors();
  if (fds === null) return 'neither /proc/self/fd nor /dev/fd can be listed';
  for (const fd of fds) {
    if (fd <= 2) continue;
    const flags = fcntl(fd, F_GETFD, 0);
    // -1: the listing's own descriptor, closed by now
    if (flags >= 0 && (flags & FD_CLOEXEC) === 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  return null;
}

function openDescriptors(): number[] | null {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return fs.readdirSync(dir).map(Number).filter(Number.isInteger);
    } catch {
      // try the next
    }
  }
  return null;
}
