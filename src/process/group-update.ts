// Granular update (beyond 4.2.5, which stops, removes and re-creates a changed group whole): when
// only members of a group changed, the unchanged members keep running and only the changed,
// added and removed ones are stopped or started.
import { sameGroupSettings, sameProcessConfig } from '../config/compare.js';
import type { GroupConfig, ProcessConfig } from '../config/types.js';
import type { ProcessGroup } from './group.js';
import type { Subprocess } from './subprocess.js';

/** How an active group becomes `next` member by member. */
export interface GroupUpdatePlan {
  /** the active group the plan was made against; stale once another object holds the name */
  readonly group: ProcessGroup;
  readonly next: GroupConfig;
  /** members whose settings are the same in `next`: they are not touched */
  readonly kept: readonly Subprocess[];
  /** members that changed or are gone from `next`: stopped, then dropped */
  readonly outgoing: readonly Subprocess[];
  /** members of `next` that are new or changed: created and autostarted */
  readonly incoming: readonly ProcessConfig[];
}

/**
 * The plan, or null when the group must be replaced whole as 4.2.5 does: its group-level settings
 * changed (priority, [group:x] or pool settings), it is an event listener pool (its event queue
 * belongs to the group), or no member would survive anyway.
 */
export function planGroupUpdate(group: ProcessGroup, next: GroupConfig): GroupUpdatePlan | null {
  if (group.config.type === 'eventlistener' || !sameGroupSettings(group.config, next)) return null;
  const nextByName = new Map(next.processes.map((pc) => [pc.name, pc]));
  const kept: Subprocess[] = [];
  const outgoing: Subprocess[] = [];
  for (const proc of group.processes) {
    const config = nextByName.get(proc.name);
    (config !== undefined && sameProcessConfig(proc.config, config) ? kept : outgoing).push(proc);
  }
  if (kept.length === 0) return null;
  const keptNames = new Set(kept.map((p) => p.name));
  return { group, next, kept, outgoing, incoming: next.processes.filter((pc) => !keptNames.has(pc.name)) };
}
