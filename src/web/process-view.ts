// What the page shows of one process: getProcessInfo's fields plus the last exit, as JSON-ready data.
import type { Subprocess } from '../process/subprocess.js';
import { exitWasExpected } from '../process/exit-record.js';

export interface ProcessView {
  namespec: string;
  name: string;
  group: string;
  state: string;
  pid: number;
  /** epoch seconds of the last start, 0 = never started */
  start: number;
  /** epoch seconds: the server's clock, so the page computes uptime without trusting its own */
  now: number;
  /** 4.2.5's description as of `now` (BACKOFF/FATAL: the spawn error); the page recomputes a RUNNING one's uptime as it ticks */
  description: string;
  /** how the child last ended; stopRequested = it was stopped on purpose */
  lastExit: { exitstatus: number; signal: string | null; expected: boolean; stopRequested: boolean; at: number } | null;
  hasStdoutLog: boolean;
  hasStderrLog: boolean;
  /** memory_limit in bytes (the memory column reads "used / limit"); null without one */
  memoryLimit: number | null;
}

export function processView(proc: Subprocess): ProcessView {
  const info = proc.getInfo();
  const exit = proc.lastExit;
  return {
    namespec: `${info.group}:${info.name}`,
    name: info.name,
    group: info.group,
    state: info.statename,
    pid: info.pid,
    start: info.start,
    now: info.now,
    description: info.description,
    lastExit: exit === null ? null : { exitstatus: exit.exitstatus, signal: exit.signal, expected: exitWasExpected(exit), stopRequested: exit.stopRequested, at: exit.at },
    hasStdoutLog: info.stdout_logfile !== '',
    hasStderrLog: info.stderr_logfile !== '',
    memoryLimit: proc.config.extensions.memoryLimit?.bytes ?? null,
  };
}
