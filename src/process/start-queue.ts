// Automatic starts that fall due together (hundreds of programs flapping in step: their restart
// timers expire in the same millisecond) are spawned one per turn of the event loop. A spawn forks
// the daemon and costs milliseconds; between two of them the daemon answers RPC, reads output and
// reaps children, instead of forking for a second or more while a client waits.

export interface QueuedStart {
  /** The start will not run (the process was stopped or started by hand meanwhile). */
  cancel(): void;
}

interface Entry {
  run: () => void;
  cancelled: boolean;
}

const due: Entry[] = [];
let scheduled = false;

/** Runs `run` on a later turn of the event loop, after the starts queued before it, one per turn. */
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
  setImmediate(runNext);
}

function runNext(): void {
  scheduled = false;
  let entry = due.shift();
  while (entry?.cancelled) entry = due.shift();
  try {
    entry?.run();
  } finally {
    schedule();
  }
}
