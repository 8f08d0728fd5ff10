// Starts and exits per process, counted from the core's state changes as they happen, and kept
// by process name for the daemon's life (the state changes themselves are not kept anywhere).
import type { StateChange } from '../process/subprocess.js';
import { ProcessState } from '../process/states.js';

/** How a run of a child ended: exit code in exitcodes (and not too quick), anything else, or after a stop request. */
export const EXIT_KINDS = ['expected', 'unexpected', 'stopped'] as const;
export type ExitKind = (typeof EXIT_KINDS)[number];

export interface ProcessTally {
  /** entries into STARTING: every spawn attempt, automatic or requested */
  starts: number;
  exits: Record<ExitKind, number>;
  /** 4.2.5's exitstatus of the last exit (-1 when killed by a signal); null before the first */
  lastExitCode: number | null;
  /** restarts because the process tree stayed past memory_limit */
  memoryLimitRestarts: number;
}

/** One key per process: group and name cannot hold a NUL, so the pair stays unambiguous. */
export function processKey(group: string, name: string): string {
  return `${group}\0${name}`;
}

export class ProcessTallies {
  private readonly tallies = new Map<string, ProcessTally>();

  record(change: StateChange): void {
    const starting = change.to === ProcessState.STARTING;
    const exit = change.exit;
    if (!starting && exit === undefined) return;
    const tally = this.tallyOf(processKey(change.group, change.process));
    if (starting) tally.starts++;
    if (exit !== undefined) {
      const kind: ExitKind = exit.stopRequested ? 'stopped' : exit.expected && !exit.tooQuickly ? 'expected' : 'unexpected';
      tally.exits[kind]++;
      tally.lastExitCode = exit.exitstatus;
    }
  }

  recordMemoryLimit(group: string, name: string): void {
    this.tallyOf(processKey(group, name)).memoryLimitRestarts++;
  }

  get(key: string): Readonly<ProcessTally> | undefined {
    return this.tallies.get(key);
  }

  private tallyOf(key: string): ProcessTally {
    let tally = this.tallies.get(key);
    if (tally === undefined) {
      tally = { starts: 0, exits: { expected: 0, unexpected: 0, stopped: 0 }, lastExitCode: null, memoryLimitRestarts: 0 };
      this.tallies.set(key, tally);
    }
    return tally;
  }
}
