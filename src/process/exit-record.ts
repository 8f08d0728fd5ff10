// How a child ended, as data: one record feeds the log line, the PROCESS_STATE payload and status --json.
import { describeSignal } from './signals.js';

export interface ExitRecord {
  pid: number;
  /** the exit code, or -1 when killed by a signal (4.2.5's convention: never in exitcodes) */
  exitstatus: number;
  /** "SIGTERM" when killed by a signal, else null */
  signal: string | null;
  /** the wait status said WCOREDUMP; known for programs we reap (posix_spawn), false for Node's spawn (docs/compatibility.md) */
  coreDumped: boolean;
  /** exitstatus is in the program's exitcodes */
  expected: boolean;
  /** died before startsecs elapsed */
  tooQuickly: boolean;
  /** ended after a stop request (STOPPING -> STOPPED) */
  stopRequested: boolean;
  /** epoch milliseconds of the exit */
  at: number;
  /** whole milliseconds between spawn and exit */
  uptimeMs: number;
}

/**
 * The main log's verdict on an exit: one during startsecs is "not expected" whatever exitcodes
 * says, unless it was stopped on request (then the code alone decides, as for the `stopped:` line's level).
 */
export function exitWasExpected(exit: Pick<ExitRecord, 'expected' | 'stopRequested' | 'tooQuickly'>): boolean {
  return exit.expected && (exit.stopRequested || !exit.tooQuickly);
}

/** 4.2.5's decode_wait_status message: "exit status 1", "terminated by SIGKILL (core dumped)". */
export function describeExit(exit: Pick<ExitRecord, 'exitstatus' | 'signal' | 'coreDumped'>): string {
  if (exit.signal === null) return `exit status ${exit.exitstatus}`;
  return `terminated by ${describeSignal(exit.signal)}${exit.coreDumped ? ' (core dumped)' : ''}`;
}
