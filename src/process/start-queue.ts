// Automatic starts that fall due together (hundreds of programs flapping in step: their restart
// timers expire in the same millisecond) are spawned a few per turn of the event loop. A spawn forks
// the daemon and costs milliseconds; between two turns the daemon answers RPC, reads output and
// reaps children, instead of forking for a second or more while a client waits.

export interface QueuedStart {
  /** The start will not run (the process was stopped or started by hand meanwhile). */
  cancel(): void;
}

interface Entry {
  run: () => void;
  cancelled: boolean;
}

// Time one turn may spend spawning before it lets I/O through: a few forks, a bounded wait for a
// request that arrives meanwhile, and most of the throughput of spawning them all at once.
const TURN_BUDGET_MS = 10;

const due: Entry[] = [];
let scheduled = false;

/** Runs `run` on a later turn of the event loop, after the starts queued before it. */
export function startSoon(run: () => void): QueuedStart {
  const entry: Entry = { run, cancelled: false };
  due.push(entry);
  schedule();
  return { cancel: () => void (entry.cancelled = true) };
}

function schedule(): void {
  if (scheduled || due.length === 0) return;
  scheduled = true;
  // an immediate queued from an immediate runs on the next turn, after the poll for I/O
  setImmediate(runDue);
}

function runDue(): void {
  scheduled = false;
  const until = performance.now() + TURN_BUDGET_MS;
  try {
    // at least one start per turn, more while the turn's budget lasts
    do {
      const entry = due.shift();
      if (entry === undefined) break;
      if (!entry.cancelled) entry.run();
    } while (performance.now() < until);
  } finally {
    schedule();
  }
}
