// A log writer says when it starts a new file at its path (rotation, reopen), synchronously and
// before it writes a byte there. A follower (/logtail behind tail -f) then opens the new file at
// once and reads it after it has finished the old one, whose descriptor it still holds: no part of
// either is skipped, however many rotations happen between two of its polls and even when gzip
// removes the old copy's name right away.
import path from 'node:path';

const followers = new Map<string, Set<() => void>>();

/** Calls `listener` each time a writer starts a new file at `file`; returns the function that stops. */
export function onNewLogFile(file: string, listener: () => void): () => void {
  const key = path.resolve(file);
  let set = followers.get(key);
  if (set === undefined) followers.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && followers.get(key) === set) followers.delete(key);
  };
}

/** For writers: a new file now exists at `file` and nothing has been written to it yet. */
export function announceNewLogFile(file: string): void {
  const set = followers.get(path.resolve(file));
  if (set === undefined) return;
  for (const listener of [...set]) {
    // followers handle their own errors; this only keeps a bug in one from breaking the writer
    try {
      listener();
    } catch {
      // nothing to do for the writer
    }
  }
}
