// Starting a program takes file descriptors (pipes for its stdin, stdout and stderr, its log files),
// and the daemon needs a few more to go on serving: accepting an RPC connection, reading a log for
// a tail, rotating a log. With a low `ulimit -n`, starts used to take every last one, and RPC was
// unreachable. Now a start that would leave fewer than DESCRIPTORS_KEPT_FREE fails the way 4.2.5's
// does when it runs out ("too many open files to spawn"), and the daemon still answers.
import fs from 'node:fs';
import { readLimit } from '../daemon/rlimits.js';

/** At most what one start holds at once: three pipes (both ends until the child has its own) and two log files. */
export const DESCRIPTORS_PER_START = 8;
/** Left free by starts for the servers: a connection or two, a log file read, a rotation. */
export const DESCRIPTORS_KEPT_FREE = 8;

// Counting our descriptors (/proc/self/fd) costs about 0.7 ms per thousand: instead of counting
// before every start (hundreds a second when programs flap), a count tells how many starts fit,
// and the next count comes when they are used up. Descriptors freed meanwhile only make us careful;
// those opened meanwhile by others (connections) come out of the ones kept free, which are for them.
let startsLeft = 0;

/** Whether a program may be started now without eating into the descriptors kept free. */
export function roomToStart(): boolean {
  if (startsLeft <= 0) startsLeft = Math.floor((freeDescriptors() - DESCRIPTORS_KEPT_FREE) / DESCRIPTORS_PER_START);
  if (startsLeft <= 0) return false;
  startsLeft--;
  return true;
}

/** Descriptors this process may still open: Infinity when there is no limit or it cannot be told. */
function freeDescriptors(): number {
  let limit;
  let open: number;
  try {
    limit = readLimit('RLIMIT_NOFILE');
    if (!limit || limit.soft === -1) return Infinity;
    // the listing's own descriptor is among those listed, and is closed again
    open = fs.readdirSync('/proc/self/fd').length - 1;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EMFILE' || code === 'ENFILE' ? 0 : Infinity;
  }
  return limit.soft - open;
}
