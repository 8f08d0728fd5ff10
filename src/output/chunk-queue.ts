// A queue of byte chunks waiting for a descriptor, shared by the writers that batch them (child log
// files, the daemon's own stdout and stderr).

/** Removes `bytes` from the front of `queue` in place, keeping the unwritten rest of a chunk written in part. */
export function consumeFront(queue: Buffer[], bytes: number): void {
  let remaining = bytes;
  let whole = 0;
  while (remaining > 0 && whole < queue.length) {
    const chunk = queue[whole] as Buffer;
    if (chunk.length > remaining) {
      queue[whole] = chunk.subarray(remaining);
      break;
    }
    remaining -= chunk.length;
    whole += 1;
  }
  queue.splice(0, whole);
}
