// The query string of /events: which event types (abstract ones included) and which programs.
import { EVENT_TYPE_NAMES, type EventTypeName } from '../config/events.js';
import type { SupervisorEvent } from '../events/types.js';

export interface EventFilter {
  /** what to subscribe the bus to */
  types: EventTypeName[];
  /** process or group names; empty = every event, including those about no program */
  programs: ReadonlySet<string>;
}

/** Values of a repeated or comma-separated parameter: `types=A,B` and `types=A&types=B` alike. */
function listParam(query: URLSearchParams, name: string): string[] {
  return query.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** Parses `?types=PROCESS_STATE&program=web`; returns an error message for an unknown type. */
export function parseEventFilter(query: URLSearchParams): EventFilter | string {
  const types = listParam(query, 'types');
  for (const type of types) {
    if (!EVENT_TYPE_NAMES.has(type)) return `unknown event type ${type}`;
  }
  return { types: types.length ? (types as EventTypeName[]) : ['EVENT'], programs: new Set(listParam(query, 'program')) };
}

/** With a program filter, only events naming one of the programs (as process or as group) pass. */
export function matchesPrograms(event: SupervisorEvent, programs: ReadonlySet<string>): boolean {
  if (programs.size === 0) return true;
  const named = event as { processname?: string; groupname?: string };
  return (named.processname !== undefined && programs.has(named.processname)) || (named.groupname !== undefined && programs.has(named.groupname));
}
