// The recent state changes of every process, kept from the start of the run so a page opened later
// still shows the restarts that happened before; bounded per process.
import type { Supervisor } from '../process/supervisor.js';
import { processStateName } from '../process/states.js';
import type { StateChange } from '../process/subprocess.js';

/** Enough for a flapping program's last minutes (one restart is about four changes). */
const CHANGES_KEPT_PER_PROCESS = 200;

export interface HistoryEntry {
  /** epoch milliseconds */
  at: number;
  from: string;
  to: string;
  pid: number;
  /** EXITED/STOPPED by the child ending: its exit status (-1 for a signal) */
  exitstatus?: number;
  signal?: string | null;
}

export class ProcessHistory {
  private readonly entries = new Map<string, HistoryEntry[]>();
  private readonly onChange: (change: StateChange) => void;

  constructor(private readonly supervisor: Supervisor, notify: (namespec: string, entry: HistoryEntry) => void) {
    this.onChange = (change) => {
      const namespec = `${change.group}:${change.process}`;
      const entry: HistoryEntry = { at: change.at, from: processStateName(change.from), to: processStateName(change.to), pid: change.pid };
      if (change.exit) {
        entry.exitstatus = change.exit.exitstatus;
        entry.signal = change.exit.signal;
      }
      const list = this.entries.get(namespec) ?? [];
      list.push(entry);
      if (list.length > CHANGES_KEPT_PER_PROCESS) list.splice(0, list.length - CHANGES_KEPT_PER_PROCESS);
      this.entries.set(namespec, list);
      notify(namespec, entry);
    };
    supervisor.on('process-state', this.onChange);
  }

  all(): Record<string, HistoryEntry[]> {
    return Object.fromEntries(this.entries);
  }

  close(): void {
    this.supervisor.off('process-state', this.onChange);
  }
}
