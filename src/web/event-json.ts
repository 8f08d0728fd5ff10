// A bus event as the JSON text /events sends: the event's own fields, Buffers decoded as UTF-8 text.
import type { SupervisorEvent } from '../events/types.js';

export function eventToJson(event: SupervisorEvent): string {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined) continue;
    // Buffer.toJSON would give a byte array; the documented format is text
    fields[key] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  return JSON.stringify(fields);
}
