// Granular update (beyond 4.2.5) for any client that runs 4.2.5's update sequence. reloadConfig
// plans, per changed group, which members must go; then on the same connection stopProcessGroup
// stops only those, removeProcessGroup checks they stopped and keeps the group, and
// addProcessGroup swaps them for new processes. A call on another connection, or for a group
// without a plan, means what it means in 4.2.5 (so `reread`, then `stop g:*`, stops the whole group).
import type { GroupConfig } from '../config/types.js';
import type { ProcessResult } from '../process/faults.js';
import { planGroupUpdate, type GroupUpdatePlan } from '../process/group-update.js';
import type { Supervisor } from '../process/supervisor.js';
import { callerConnection } from './caller.js';

interface Pending {
  plan: GroupUpdatePlan;
  /** removeProcessGroup went through: addProcessGroup applies the plan */
  removed: boolean;
}

export class GranularUpdates {
  private readonly byConnection = new WeakMap<object, Map<string, Pending>>();
  /** the groups each connection's last reloadConfig reported as changed or removed */
  private readonly updating = new WeakMap<object, Set<string>>();

  constructor(private readonly supervisor: Supervisor) {}

  /** reloadConfig: the caller's plans for `changed`, replacing any it had. */
  plan(changed: readonly GroupConfig[], removed: readonly string[] = []): void {
    const connection = callerConnection();
    if (connection === undefined) return;
    this.updating.set(connection, new Set([...changed.map((g) => g.name), ...removed]));
    const pending = new Map<string, Pending>();
    for (const next of changed) {
      const group = this.supervisor.groups.get(next.name);
      const plan = group === undefined ? null : planGroupUpdate(group, next);
      if (plan !== null) pending.set(next.name, { plan, removed: false });
    }
    this.byConnection.set(connection, pending);
  }

  /** stopProcessGroup: the results of stopping only the outgoing members, or null for a plain stop. */
  stop(name: string, wait: boolean): Promise<ProcessResult[]> | null {
    const pending = this.pending(name);
    return pending === undefined ? null : this.supervisor.stopOutgoing(pending.plan, wait);
  }

  /**
   * Whether a stopProcessGroup is update's: the caller's reloadConfig reported the group as changed
   * or removed. Such a stop is not an operator's decision (statefile): the group goes or is replaced.
   */
  partOfUpdate(name: string): boolean {
    const connection = callerConnection();
    return connection !== undefined && (this.updating.get(connection)?.has(name) ?? false);
  }

  /** removeProcessGroup: 'kept' (the group stays until addProcessGroup), 'still-running', or null for a plain remove. */
  remove(name: string): 'kept' | 'still-running' | null {
    const pending = this.pending(name);
    if (pending === undefined) return null;
    if (this.supervisor.outgoingUnstopped(pending.plan).length > 0) return 'still-running';
    pending.removed = true;
    return 'kept';
  }

  /** addProcessGroup: 'applied', 'still-running' (an outgoing member was started again meanwhile), or null for a plain add. */
  add(name: string): 'applied' | 'still-running' | null {
    const pending = this.pending(name);
    if (pending === undefined || !pending.removed) return null;
    const outcome = this.supervisor.applyGroupUpdate(pending.plan);
    if (outcome === 'still-running') return outcome;
    this.forget(name);
    return outcome === 'applied' ? 'applied' : null;
  }

  // a plan made against a group that has since been removed or replaced no longer applies
  private pending(name: string): Pending | undefined {
    const connection = callerConnection();
    const pending = connection === undefined ? undefined : this.byConnection.get(connection)?.get(name);
    if (pending === undefined) return undefined;
    if (this.supervisor.isCurrent(pending.plan)) return pending;
    this.forget(name);
    return undefined;
  }

  private forget(name: string): void {
    const connection = callerConnection();
    if (connection !== undefined) this.byConnection.get(connection)?.delete(name);
  }
}
