// The typed events of the bus. Each carries what 4.2.5's payload needs plus what plugins want
// (time, pid, stream); the wire payload is rendered from it by payload.ts, never stored twice.
import { EVENT_TYPE_PARENT, type EventTypeName } from '../config/events.js';

export type { EventTypeName };

export type ProcessStateName = 'STOPPED' | 'STARTING' | 'RUNNING' | 'BACKOFF' | 'STOPPING' | 'EXITED' | 'FATAL' | 'UNKNOWN';
export type Stream = 'stdout' | 'stderr';

interface EventBase {
  /** epoch milliseconds when the event happened (for a line: when it was read from the pipe) */
  time: number;
}

export interface ProcessStateEvent extends EventBase {
  type: `PROCESS_STATE_${ProcessStateName}`;
  processname: string;
  groupname: string;
  from_state: ProcessStateName;
  /** STARTING and BACKOFF: the backoff counter */
  tries?: number;
  /** RUNNING, STOPPING, EXITED, STOPPED */
  pid?: number;
  /** EXITED: the exit status was in exitcodes */
  expected?: boolean;
}

export interface ProcessLogEvent extends EventBase {
  type: 'PROCESS_LOG_STDOUT' | 'PROCESS_LOG_STDERR';
  processname: string;
  groupname: string;
  pid: number;
  channel: Stream;
  /** whole lines of output, decoded as UTF-8, without their newlines (one or more) */
  lines: readonly string[];
  /**
   * Present only when some line is not whole, one entry per line: 'split' = the line was longer than
   * log_line_maxbytes and goes on in the next line (cut between two characters); 'partial' = no
   * newline came within 200 ms, or the stream ended; null = a whole line.
   */
  cut?: readonly ('split' | 'partial' | null)[];
}

export interface ProcessCommunicationEvent extends EventBase {
  type: 'PROCESS_COMMUNICATION_STDOUT' | 'PROCESS_COMMUNICATION_STDERR';
  processname: string;
  groupname: string;
  pid: number;
  data: Buffer;
}

export interface RemoteCommunicationEvent extends EventBase {
  type: 'REMOTE_COMMUNICATION';
  /** free text: may hold spaces and newlines, sent unescaped as 4.2.5 does */
  commtype: string;
  data: string;
}

export interface SupervisorStateChangeEvent extends EventBase {
  type: 'SUPERVISOR_STATE_CHANGE_RUNNING' | 'SUPERVISOR_STATE_CHANGE_STOPPING';
}

export interface TickEvent extends EventBase {
  type: 'TICK_5' | 'TICK_60' | 'TICK_3600';
  /** epoch seconds of the period boundary */
  when: number;
}

export interface ProcessGroupEvent extends EventBase {
  type: 'PROCESS_GROUP_ADDED' | 'PROCESS_GROUP_REMOVED';
  groupname: string;
}

/** Beyond 4.2.5: a health check's verdict changed; UNHEALTHY is followed by a restart. */
export interface ProcessHealthEvent extends EventBase {
  type: 'PROCESS_HEALTH_HEALTHY' | 'PROCESS_HEALTH_UNHEALTHY';
  processname: string;
  groupname: string;
  pid: number;
  from_state: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  /** failures in a row (UNHEALTHY), 0 for HEALTHY */
  failures: number;
  /** what the last check saw, e.g. "HTTP 500" */
  detail: string;
}

/** Beyond 4.2.5: the process tree stayed past memory_limit for memory_limit_grace; a restart follows. */
export interface ProcessMemoryLimitEvent extends EventBase {
  type: 'PROCESS_MEMORY_LIMIT';
  processname: string;
  groupname: string;
  pid: number;
  /** resident bytes of the process and its descendants at the deciding sample */
  rss: number;
  /** memory_limit in bytes */
  limit: number;
}

export type SupervisorEvent =
  | ProcessStateEvent
  | ProcessLogEvent
  | ProcessCommunicationEvent
  | RemoteCommunicationEvent
  | SupervisorStateChangeEvent
  | TickEvent
  | ProcessGroupEvent
  | ProcessHealthEvent
  | ProcessMemoryLimitEvent;

/** The concrete type names: what an event's `type` can be. */
export type ConcreteEventName = SupervisorEvent['type'];

/** True when `type` is `ancestor` or one of its descendants (EVENT matches everything). */
export function isSubtypeOf(type: EventTypeName, ancestor: EventTypeName): boolean {
  for (let t: EventTypeName | null = type; t !== null; t = EVENT_TYPE_PARENT[t]) {
    if (t === ancestor) return true;
  }
  return false;
}
