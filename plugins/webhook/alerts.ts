// Which state transitions are alerts: FATAL, an unexpected exit, BACKOFF, flapping (N starts in
// M seconds) and recovery (RUNNING again after any of those), per program. A restart for
// memory_limit (PROCESS_MEMORY_LIMIT, not a transition) is the alert `memory`.
import type { ProcessStateEvent } from '../../src/plugins/api.js';

export type AlertKind = 'fatal' | 'exited' | 'backoff' | 'flapping' | 'recovery' | 'memory';
export const ALERT_KINDS: readonly AlertKind[] = ['fatal', 'exited', 'backoff', 'flapping', 'recovery', 'memory'];

export interface DetectorOptions {
  on: ReadonlySet<string>;
  flapStarts: number;
  flapSeconds: number;
}

export class TransitionDetector {
  private readonly starts = new Map<string, number[]>();
  private readonly troubled = new Set<string>();

  constructor(private readonly options: DetectorOptions) {}

  /** The alert kinds this state event raises for its program (usually none). */
  kinds(event: ProcessStateEvent): AlertKind[] {
    const key = `${event.groupname}:${event.processname}`;
    const raised: AlertKind[] = [];
    switch (event.type) {
      case 'PROCESS_STATE_FATAL':
        raised.push('fatal');
        break;
      case 'PROCESS_STATE_BACKOFF':
        raised.push('backoff');
        break;
      case 'PROCESS_STATE_EXITED':
        if (!event.expected) raised.push('exited');
        break;
      case 'PROCESS_STATE_STARTING':
        if (this.isFlapping(key, event.time)) raised.push('flapping');
        break;
      case 'PROCESS_STATE_RUNNING':
        if (this.troubled.delete(key)) raised.push('recovery');
        break;
      default:
        break;
    }
    if (raised.some((k) => k !== 'recovery')) this.troubled.add(key);
    return raised.filter((k) => this.options.on.has(k));
  }

  /** N starts within M seconds; the window restarts after it fires, so one flap is one alert. */
  private isFlapping(key: string, time: number): boolean {
    const windowStart = time - this.options.flapSeconds * 1000;
    const recent = (this.starts.get(key) ?? []).filter((t) => t > windowStart);
    recent.push(time);
    if (recent.length >= this.options.flapStarts) {
      this.starts.set(key, []);
      return true;
    }
    this.starts.set(key, recent);
    return false;
  }
}
