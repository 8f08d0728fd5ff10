// When two configs of a process or a group mean the same to a running supervisord. 4.2.5 compares
// every typed setting and ignores the keys it does not know; the keys beyond 4.2.5 (documented so
// in schema.ts) change what we do with a process, so they are compared too, as written.
import { isDeepStrictEqual } from 'node:util';
import { SCHEMA } from './schema.js';
import type { GroupConfig, ProcessConfig } from './types.js';

const BEYOND_425_KEYS: ReadonlySet<string> = new Set(
  Object.values(SCHEMA)
    .flat()
    .filter((spec) => spec.doc.startsWith('beyond 4.2.5'))
    .map((spec) => spec.key),
);

// `raw` holds the section as written (unknown keys and comments' neighbours included)
function comparableProcess({ raw, ...typed }: ProcessConfig): unknown {
  return { ...typed, beyond: Object.fromEntries(Object.entries(raw).filter(([key]) => BEYOND_425_KEYS.has(key))) };
}

/** The same process settings: a running process of `a` need not restart to become one of `b`. */
export function sameProcessConfig(a: ProcessConfig, b: ProcessConfig): boolean {
  return isDeepStrictEqual(comparableProcess(a), comparableProcess(b));
}

/** The same group-level settings (name, type, priority, pool and socket settings), members aside. */
export function sameGroupSettings(a: GroupConfig, b: GroupConfig): boolean {
  return isDeepStrictEqual({ ...a, section: undefined, processes: undefined }, { ...b, section: undefined, processes: undefined });
}

/** 4.2.5's "changed" test (states.md 10.2), plus the keys beyond 4.2.5. */
export function sameGroupConfig(a: GroupConfig, b: GroupConfig): boolean {
  return (
    sameGroupSettings(a, b) &&
    a.processes.length === b.processes.length &&
    a.processes.every((proc, i) => sameProcessConfig(proc, b.processes[i]!))
  );
}
