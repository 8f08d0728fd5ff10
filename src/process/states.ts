// Process and supervisord state codes, with 4.2.5's numeric values: they go over XML-RPC and
// into event payloads, so they must never be renumbered.

export enum ProcessState {
  STOPPED = 0,
  STARTING = 10,
  RUNNING = 20,
  BACKOFF = 30,
  STOPPING = 40,
  EXITED = 100,
  FATAL = 200,
  UNKNOWN = 1000,
}

export type ProcessStateName = keyof typeof ProcessState;

/** "not running": status exit code, group removal, shutdown completion */
export const STOPPED_STATES: ReadonlySet<ProcessState> = new Set([
  ProcessState.STOPPED,
  ProcessState.EXITED,
  ProcessState.FATAL,
  ProcessState.UNKNOWN,
]);

/** startProcess answers ALREADY_STARTED for these; stopProcess accepts them */
export const RUNNING_STATES: ReadonlySet<ProcessState> = new Set([
  ProcessState.RUNNING,
  ProcessState.BACKOFF,
  ProcessState.STARTING,
]);

/** signalProcess accepts these */
export const SIGNALLABLE_STATES: ReadonlySet<ProcessState> = new Set([
  ProcessState.RUNNING,
  ProcessState.STARTING,
  ProcessState.STOPPING,
]);

export function processStateName(state: ProcessState): ProcessStateName {
  return ProcessState[state] as ProcessStateName;
}

export enum SupervisorState {
  FATAL = 2,
  RUNNING = 1,
  RESTARTING = 0,
  SHUTDOWN = -1,
}

export type SupervisorStateName = keyof typeof SupervisorState;

export function supervisorStateName(state: SupervisorState): SupervisorStateName {
  return SupervisorState[state] as SupervisorStateName;
}
