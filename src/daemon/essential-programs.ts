// Essential programs (beyond 4.2.5): a container is useless without them, so when one goes FATAL
// or exits for good, supervisord stops everything and exits non-zero and the orchestrator
// restarts the container. "For good" means no automatic restart follows the exit; a stop asked for
// by an operator (STOPPED) is not a failure.
import type { ProcessConfig } from '../config/types.js';
import { describeExit } from '../process/exit-record.js';
import { ProcessState, SupervisorState } from '../process/states.js';
import type { StateChange } from '../process/subprocess.js';
import type { Supervisor } from '../process/supervisor.js';

/** The exit status of a supervisord stopped by an essential program. */
export const ESSENTIAL_EXIT_STATUS = 1;

/** Why an essential program ends the run, as the main log says it; null when it does not. */
export function essentialFailure(change: StateChange, config: ProcessConfig): string | null {
  if (!config.extensions.essential) return null;
  const name = change.group === change.process ? change.process : `${change.group}:${change.process}`;
  if (change.to === ProcessState.FATAL) return `essential program '${name}' entered FATAL state`;
  if (change.to !== ProcessState.EXITED) return null;
  const policy = config.autorestart;
  const restarts = policy === 'true' || (policy === 'unexpected' && change.expected === false);
  if (restarts) return null;
  const how = change.exit ? ` (${describeExit(change.exit)})` : '';
  return `essential program '${name}' exited${how} and will not be restarted`;
}

/** Calls onFailure once, with the reason, for the first essential program that fails; returns the detach. */
export function watchEssentialPrograms(supervisor: Supervisor, onFailure: (reason: string) => void): () => void {
  let fired = false;
  const onChange = (change: StateChange): void => {
    // while stopping everything, programs that end by themselves are part of the stop
    if (fired || supervisor.state !== SupervisorState.RUNNING) return;
    const config = configOf(supervisor, change);
    const reason = config && essentialFailure(change, config);
    if (!reason) return;
    fired = true;
    // after the core has logged the change itself ("gave up: ..."), so the log reads in order
    setImmediate(() => onFailure(reason));
  };
  supervisor.on('process-state', onChange);
  return () => supervisor.off('process-state', onChange);
}

function configOf(supervisor: Supervisor, change: StateChange): ProcessConfig | null {
  return supervisor.groups.get(change.group)?.process(change.process)?.config ?? null;
}
