// The bytes a listener reads: 4.2.5's header line then the payload, UTF-8 encoded. `len` counts
// code points, as Python's len() of the text does: listeners built on childutils read characters.
import type { SupervisorEvent } from './types.js';
import { renderPayload } from './payload.js';

export interface EnvelopeFields {
  /** [supervisord] identifier */
  server: string;
  serial: number;
  pool: string;
  poolserial: number;
}

/** Code points of a string: an astral character (emoji) counts once, unlike String.length. */
export function codePointLength(text: string): number {
  let surrogatePairs = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogatePairs++;
        i++;
      }
    }
  }
  return text.length - surrogatePairs;
}

export function encodeEnvelope(fields: EnvelopeFields, event: SupervisorEvent, payload = renderPayload(event)): Buffer {
  const body = Buffer.from(payload, 'utf8');
  // as many bytes as UTF-16 units means all ASCII (the usual case): no need to walk the text
  const length = body.length === payload.length ? payload.length : codePointLength(payload);
  return Buffer.concat(envelopeOf(fields, event.type, [body], length));
}

/** A payload part this small is copied behind the header line; a larger one is written as it is. */
const SMALL_PART_BYTES = 4096;

/**
 * The envelope of a payload already in bytes, `chars` its length in code points: nothing is
 * decoded or rendered. Parts to write as one (writev): the header line with the payload's small
 * first part (a PROCESS_LOG token line) copied behind it, then the large parts as they are.
 */
export function envelopeOf(fields: EnvelopeFields, eventname: string, payload: readonly Buffer[], chars: number): Buffer[] {
  const header = Buffer.from(
    `ver:3.0 server:${fields.server} serial:${fields.serial} pool:${fields.pool} ` +
      `poolserial:${fields.poolserial} eventname:${eventname} len:${chars}\n`,
    'utf8',
  );
  const first = payload[0];
  if (first === undefined) return [header];
  if (first.length > SMALL_PART_BYTES) return [header, ...payload];
  return [Buffer.concat([header, first], header.length + first.length), ...payload.slice(1)];
}
