// 4.2.5's fault codes for process operations, so the RPC layer and the core agree on one table.

export const FAULT_CODES = {
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
} as const;

export type FaultName = Exclude<keyof typeof FAULT_CODES, 'SUCCESS'>;

/** A refused or failed process operation; `message` is 4.2.5's fault text, e.g. "BAD_NAME: foo". */
export class SupervisorError extends Error {
  readonly faultCode: number;

  constructor(
    readonly code: FaultName,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'SupervisorError';
    this.faultCode = FAULT_CODES[code];
  }
}

/** One process's outcome in a group or "all" operation: 4.2.5's result struct. */
export interface ProcessResult {
  name: string;
  group: string;
  /** FAULT_CODES.SUCCESS or the fault code */
  status: number;
  /** "OK" or the fault text */
  description: string;
}
