// A daemon's memory should go back down once a burst of work is over (a boot of 1000 programs, a
// wave of restarts). V8 gets there by itself only many seconds later, if at all (its memory
// reducer), and until then the pod carries the burst's garbage and the half-empty pages it left
// (ADR 0020). So: one full, compacting collection once the processes have been quiet for a moment
// after being busy. Nothing runs while the daemon stays idle, and nothing during a burst.
import v8 from 'node:v8';
import vm from 'node:vm';

/** How long without a noted event before the collection runs. */
export const QUIET_MS = 1000;

type Collect = () => void;

let collect: Collect | null | undefined;
let timer: NodeJS.Timeout | null = null;
let lastBusy = 0;

/**
 * V8's gc function without putting it on the daemon's global object (where plugins would see it):
 * the flag is set only while a fresh context is made, and that context's gc is kept. null when
 * this V8 refuses it (the relief is then V8's own memory reducer, later).
 */
function collector(): Collect | null {
  if (collect !== undefined) return collect;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    collect = typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    collect = null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  return collect;
}

/** Something happened that allocates (a process changed state): collect once it has been quiet a while. */
export function noteBusy(): void {
  lastBusy = performance.now();
  if (timer !== null) return;
  timer = setTimeout(whenQuiet, QUIET_MS);
  // never what keeps the daemon (or a test) alive
  timer.unref();
}

function whenQuiet(): void {
  const quietFor = performance.now() - lastBusy;
  if (quietFor < QUIET_MS) {
    timer = setTimeout(whenQuiet, QUIET_MS - quietFor);
    timer.unref();
    return;
  }
  timer = null;
  const gc = collector();
  if (gc === null) return;
  // compacting moves the survivors together so that the emptied pages go back to the system;
  // only for this collection, not for the ones V8 runs during bursts
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}
