// A bus event as JSON text, both ways: what /events sends (the event's own fields, Buffers as
// UTF-8 text) and, read back, the event a recording holds, so a recording replays as the bytes a
// pool would have sent (supervisorctl events --json, supervisor-listener-test --events).
import { EVENT_TYPE_PARENT } from '../config/events.js';
import type { ConcreteEventName, SupervisorEvent } from './types.js';

export function eventToJson(event: SupervisorEvent): string {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined) continue;
    // Buffer.toJSON would give a byte array; the documented format is text
    fields[key] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  return JSON.stringify(fields);
}

/** A JSON event that cannot be an event: `message` names the field and what was wrong with it. */
export class EventJsonError extends Error {
  readonly code = 'SUP_ERR_EVENT_JSON';
}

type FieldKind = 'string' | 'number' | 'boolean' | 'lines' | 'state';
const STATE_FIELDS: Record<string, FieldKind> = { processname: 'string', groupname: 'string', from_state: 'state' };
const OUTPUT_FIELDS: Record<string, FieldKind> = { processname: 'string', groupname: 'string', pid: 'number' };

/** The fields each concrete type's payload is rendered from (payload.ts); `?` marks an optional one. */
const REQUIRED: Record<ConcreteEventName, Record<string, FieldKind>> = {
  PROCESS_STATE_STARTING: { ...STATE_FIELDS, 'tries?': 'number' },
  PROCESS_STATE_BACKOFF: { ...STATE_FIELDS, 'tries?': 'number' },
  PROCESS_STATE_RUNNING: { ...STATE_FIELDS, 'pid?': 'number' },
  PROCESS_STATE_STOPPING: { ...STATE_FIELDS, 'pid?': 'number' },
  PROCESS_STATE_STOPPED: { ...STATE_FIELDS, 'pid?': 'number' },
  PROCESS_STATE_EXITED: { ...STATE_FIELDS, 'pid?': 'number', 'expected?': 'boolean' },
  PROCESS_STATE_FATAL: STATE_FIELDS,
  PROCESS_STATE_UNKNOWN: STATE_FIELDS,
  PROCESS_LOG_STDOUT: { ...OUTPUT_FIELDS, channel: 'string', lines: 'lines' },
  PROCESS_LOG_STDERR: { ...OUTPUT_FIELDS, channel: 'string', lines: 'lines' },
  PROCESS_COMMUNICATION_STDOUT: { ...OUTPUT_FIELDS, data: 'string' },
  PROCESS_COMMUNICATION_STDERR: { ...OUTPUT_FIELDS, data: 'string' },
  REMOTE_COMMUNICATION: { commtype: 'string', data: 'string' },
  SUPERVISOR_STATE_CHANGE_RUNNING: {},
  SUPERVISOR_STATE_CHANGE_STOPPING: {},
  TICK_5: { when: 'number' },
  TICK_60: { when: 'number' },
  TICK_3600: { when: 'number' },
  PROCESS_GROUP_ADDED: { groupname: 'string' },
  PROCESS_GROUP_REMOVED: { groupname: 'string' },
  PROCESS_HEALTH_HEALTHY: { processname: 'string', groupname: 'string', pid: 'number', from_state: 'string', failures: 'number', detail: 'string' },
  PROCESS_HEALTH_UNHEALTHY: { processname: 'string', groupname: 'string', pid: 'number', from_state: 'string', failures: 'number', detail: 'string' },
  PROCESS_MEMORY_LIMIT: { processname: 'string', groupname: 'string', pid: 'number', rss: 'number', limit: 'number' },
};

const PROCESS_STATES = new Set(['STOPPED', 'STARTING', 'RUNNING', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL', 'UNKNOWN']);

function isConcrete(type: unknown): type is ConcreteEventName {
  return typeof type === 'string' && type in REQUIRED;
}

function fits(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'lines':
      return Array.isArray(value) && value.length > 0 && value.every((line) => typeof line === 'string');
    case 'state':
      return typeof value === 'string' && PROCESS_STATES.has(value);
  }
}

const KIND_WORDS: Record<FieldKind, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  lines: 'a non-empty array of strings',
  state: 'a process state name',
};

/**
 * The event one JSON text describes (a line of `supervisorctl events --json`, a frame of /events);
 * throws EventJsonError naming the field that is missing or of the wrong kind. Text `data` of a
 * communication event becomes its bytes again, UTF-8 encoded.
 */
export function eventFromJson(text: string): SupervisorEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EventJsonError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EventJsonError('not a JSON object');
  const fields = parsed as Record<string, unknown>;
  if (!isConcrete(fields.type)) {
    const known = typeof fields.type === 'string' && fields.type in EVENT_TYPE_PARENT;
    throw new EventJsonError(
      fields.type === undefined
        ? 'no "type" field'
        : known
          ? `"type" is ${JSON.stringify(fields.type)}, an abstract type: an event has a concrete one (e.g. PROCESS_STATE_RUNNING)`
          : `"type" ${JSON.stringify(fields.type)} is no event type`,
    );
  }
  for (const [spec, kind] of Object.entries(REQUIRED[fields.type])) {
    const optional = spec.endsWith('?');
    const name = optional ? spec.slice(0, -1) : spec;
    if (fields[name] === undefined && optional) continue;
    if (!fits(fields[name], kind)) {
      throw new EventJsonError(
        `${fields.type} ${fields[name] === undefined ? 'lacks' : 'has a bad'} "${name}" (${KIND_WORDS[kind]}${fields[name] === undefined ? '' : `, not ${JSON.stringify(fields[name])}`})`,
      );
    }
  }
  if (fields.time !== undefined && typeof fields.time !== 'number') throw new EventJsonError(`"time" is not a number: ${JSON.stringify(fields.time)}`);
  const event = { ...fields, time: typeof fields.time === 'number' ? fields.time : Date.now() } as Record<string, unknown>;
  if (fields.type.startsWith('PROCESS_COMMUNICATION_')) event.data = Buffer.from(fields.data as string, 'utf8');
  return event as unknown as SupervisorEvent;
}
