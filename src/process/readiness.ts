// The probe rule (beyond 4.2.5), one for `supervisorctl status --probe` and the daemon's /readyz:
// a process is ready only while RUNNING, and, when it has a health check, once that check has
// passed. STARTING, BACKOFF and FATAL fail, so a crash-looping program fails its probe.
import type { HealthStatus } from './health-check.js';
import { ProcessState, processStateName } from './states.js';

/** What a probe knows of one process; health 'none' when no check is set or the caller cannot see it. */
export interface ProbeSubject {
  state: ProcessState;
  health: HealthStatus;
  /** STOPPING because its health check failed (the restart it leads to) */
  restartingForHealth?: boolean;
}

/** Why the process is not ready, as words that follow its name ("is BACKOFF"); null when it is ready. */
export function notReadyBecause(subject: ProbeSubject): string | null {
  const { state, health } = subject;
  if (state !== ProcessState.RUNNING) {
    const name = processStateName(state) ?? `in state ${state}`;
    return subject.restartingForHealth && state === ProcessState.STOPPING ? `is ${name} after failing its health check` : `is ${name}`;
  }
  if (health === 'unknown') return 'is RUNNING but its health check has not passed yet';
  if (health === 'unhealthy') return 'is RUNNING but unhealthy';
  return null;
}

/** Words for a ready process ("is RUNNING and healthy"). */
export function readyAs(subject: ProbeSubject): string {
  return subject.health === 'healthy' ? 'is RUNNING and healthy' : 'is RUNNING';
}
