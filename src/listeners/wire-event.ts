// A pool's event as it waits for a listener: the payload rendered to bytes once, when the pool
// accepts it, so that a resend, the memory tier and the spool never render or encode it again.
// Past the first buffer, a PROCESS_LOG event keeps only its bytes: its lines are cut back out of
// them when asked (a custom result handler, a reload into a pool of other types), which the
// usual path never does.
import { codePointLength } from '../events/envelope.js';
import { attachedLogBody, utf8CodePoints } from '../events/log-body.js';
import { renderPayload } from '../events/payload.js';
import type { ProcessLogEvent, SupervisorEvent } from '../events/types.js';

export interface WireEvent {
  event: SupervisorEvent;
  serial: number;
  poolserial: number;
  /** the payload a listener reads after the header line, UTF-8 */
  payload: Buffer;
  /** the payload's length in code points (the header's len:, as 4.2.5's Python counts) */
  payloadChars: number;
  /** output lines inside (PROCESS_LOG), 0 for other events: what a drop of it loses */
  lineCount: number;
}

/** The fields a pool item is made of; the payload is rendered here when not given. */
export function toWireEvent(item: { event: SupervisorEvent; serial: number; poolserial: number }): WireEvent {
  const attached = attachedLogBody(item.event);
  if (attached) {
    const { body, lines } = attached;
    // the lines' bytes as read: the same payload as rendering their text, with no text made
    const event = item.event as ProcessLogEvent;
    const head = `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} channel:${event.channel}\n`;
    const headBytes = Buffer.from(head, 'utf8');
    const payload = Buffer.concat([headBytes, body], headBytes.length + body.length);
    const headChars = headBytes.length === head.length ? head.length : codePointLength(head);
    return { ...item, payload, payloadChars: headChars + utf8CodePoints(body), lineCount: lines };
  }
  const text = renderPayload(item.event);
  const payload = Buffer.from(text, 'utf8');
  // as many bytes as UTF-16 units means all ASCII (the usual case): no need to walk the text
  const payloadChars = payload.length === text.length ? text.length : codePointLength(text);
  return { event: item.event, serial: item.serial, poolserial: item.poolserial, payload, payloadChars, lineCount: lineCountOf(item.event) };
}

export function lineCountOf(event: SupervisorEvent): number {
  return 'lines' in event ? event.lines.length : 0;
}

/**
 * Where a PROCESS_LOG payload's lines start: after its token line. Rendered by payload.ts as
 * `processname:… channel:…\n` + lines joined by `\n` + `\n`; lines never hold a newline (the
 * framer cuts at each), but names are not checked for one, so the start is found from the end of
 * the token line's rendering rather than the first newline.
 */
export function logBodyStart(event: ProcessLogEvent): number {
  return Buffer.byteLength(`processname:${event.processname} groupname:${event.groupname} pid:${event.pid} channel:${event.channel}\n`, 'utf8');
}

/**
 * The event without its own copy of the lines: `lines` is cut from the payload on first use. The
 * text is the same: the payload holds the lines' UTF-8, and decoding valid UTF-8 gives the text
 * back (lines are decoded text already, so U+FFFD stays U+FFFD).
 */
export function compactEvent(event: SupervisorEvent, payload: Buffer): SupervisorEvent {
  if (event.type !== 'PROCESS_LOG_STDOUT' && event.type !== 'PROCESS_LOG_STDERR') return event;
  if (compacted.has(event)) return event;
  const start = logBodyStart(event);
  const compact = withoutLines(event) as unknown as ProcessLogEvent;
  let lines: readonly string[] | undefined;
  Object.defineProperty(compact, 'lines', {
    enumerable: true,
    configurable: true,
    get: () => (lines ??= payload.toString('utf8', start, payload.length - 1).split('\n')),
  });
  compacted.add(compact);
  return compact;
}

const compacted = new WeakSet<object>();

/** A PROCESS_LOG event's fields but its lines, read without calling a lazy `lines` getter. */
export function withoutLines(event: ProcessLogEvent): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(event)) if (key !== 'lines') rest[key] = (event as unknown as Record<string, unknown>)[key];
  return rest;
}
