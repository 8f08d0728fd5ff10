// 4.2.5's diff_to_active (states.md 10.2): which groups a re-read config adds, changes or removes
// compared with the groups running now. A group is changed when any setting differs.
import { sameGroupConfig } from '../config/compare.js';
import type { GroupConfig } from '../config/types.js';

export interface ConfigDiff {
  /** new groups, in the new config's order */
  added: GroupConfig[];
  /** groups whose settings differ, in the new config's order */
  changed: GroupConfig[];
  /** names of active groups the new config no longer has, in the active order */
  removed: string[];
}

export function diffGroups(active: readonly GroupConfig[], next: readonly GroupConfig[]): ConfigDiff {
  const activeByName = new Map(active.map((g) => [g.name, g]));
  const nextNames = new Set(next.map((g) => g.name));
  return {
    added: next.filter((g) => !activeByName.has(g.name)),
    changed: next.filter((g) => {
      const current = activeByName.get(g.name);
      return current !== undefined && !sameGroupConfig(current, g);
    }),
    removed: active.filter((g) => !nextNames.has(g.name)).map((g) => g.name),
  };
}
