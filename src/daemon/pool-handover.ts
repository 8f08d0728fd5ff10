// What listener pools held when a run ended with a reload (SIGHUP, supervisorctl reload), kept for
// the next run in the same daemon: its pool of the same name takes the events over, oldest first
// (docs/decisions/0004). Lives as long as the daemon, like the event bus and the serials.
import { backlogSize, type PoolBacklog } from '../listeners/pool.js';

export class PoolHandover {
  private readonly held = new Map<string, PoolBacklog>();

  /** The backlog of pool `name` at the end of a run; an empty one is let go at once. */
  keep(name: string, backlog: PoolBacklog): void {
    if (backlogSize(backlog).events === 0) {
      backlog.spool?.close();
      return;
    }
    this.held.set(name, backlog);
  }

  /** For the new run's pool `name`, once. */
  take(name: string): PoolBacklog | undefined {
    const backlog = this.held.get(name);
    this.held.delete(name);
    return backlog;
  }

  /** Spool files that belong to a kept backlog: the new run's startup cleanup must leave them. */
  spoolPaths(): ReadonlySet<string> {
    return new Set([...this.held.values()].flatMap((b) => (b.spool ? [b.spool.path] : [])));
  }

  /**
   * Backlogs nobody took (the new config has no pool of that name, or no new run comes): their
   * events are dropped, each pool's count told to `report`, and their spool files removed.
   */
  discardRest(report: (pool: string, events: number, lines: number) => void): void {
    for (const [name, backlog] of this.held) {
      const { events, lines } = backlogSize(backlog);
      report(name, events, lines);
      backlog.spool?.close();
    }
    this.held.clear();
  }
}
