// A process group (4.2.5's ProcessGroup): its processes in config order, and the group-wide stop.
import type { GroupConfig } from '../config/types.js';
import { STOPPED_STATES, ProcessState } from './states.js';
import type { Subprocess } from './subprocess.js';

export class ProcessGroup {
  constructor(
    readonly config: GroupConfig,
    /** in the config's order: (priority, name) for a program, as listed for a [group:x] */
    readonly processes: readonly Subprocess[],
  ) {}

  get name(): string {
    return this.config.name;
  }

  get priority(): number {
    return this.config.priority;
  }

  process(name: string): Subprocess | undefined {
    return this.processes.find((p) => p.name === name);
  }

  /** Ascending process priority; ties keep the config order (Python's stable sort). */
  byPriority(): Subprocess[] {
    return [...this.processes].sort((a, b) => a.config.priority - b.config.priority);
  }

  /**
   * 4.2.5's stop_all, used by shutdown: descending priority, RUNNING/STARTING are stopped and
   * BACKOFF gives up (FATAL), all in one pass without waiting for each other.
   */
  stopAll(): void {
    for (const proc of this.byPriority().reverse()) {
      if (proc.state === ProcessState.RUNNING || proc.state === ProcessState.STARTING) proc.stop();
      else if (proc.state === ProcessState.BACKOFF) proc.giveUp();
    }
  }

  unstopped(): Subprocess[] {
    return this.processes.filter((p) => !STOPPED_STATES.has(p.state));
  }
}
