// A pool's event as it waits for a listener: the payload rendered to bytes once, when the pool
// accepts it, so that a resend, the memory tier and the spool never render or encode it again.
// A PROCESS_LOG payload stays in two parts, its token line and the lines' bytes as the framer made
// them: they are written to the listener as one writev, so the lines are never copied again (a
// copy of every event's bytes made work for the garbage collector: each large buffer is external
// memory, and V8 answered ~10 MB of them with a full collection, ADR 0021).
// Past the first buffer, a PROCESS_LOG event keeps only its bytes: its lines are cut back out of
// them when asked (a custom result handler, a reload into a pool of other types), which the
// usual path never does.
import { codePointLength } from '../events/envelope.js';
import { attachedLogBody, utf8CodePoints } from '../events/log-body.js';
import { renderPayload } from '../events/payload.js';
import type { ProcessLogEvent, SupervisorEvent } from '../events/types.js';
import type { BodyLease } from '../output/body-blocks.js';

export interface WireEvent {
  event: SupervisorEvent;
  serial: number;
  poolserial: number;
  /** the payload a listener reads after the header line, UTF-8, in parts (read as one) */
  payload: readonly Buffer[];
  /** the payload's length in bytes: the sum of its parts */
  payloadBytes: number;
  /** the payload's length in code points (the header's len:, as 4.2.5's Python counts) */
  payloadChars: number;
  /** output lines inside (PROCESS_LOG), 0 for other events: what a drop of it loses */
  lineCount: number;
  /**
   * The lease of the lines' recycled memory inside `payload` (body-blocks.ts), null for plain
   * memory. Whoever keeps the event retains it and releases it once, when done.
   */
  bodyLease: BodyLease | null;
}

/** The fields a pool item is made of; the payload is rendered here when not given. */
export function toWireEvent(item: { event: SupervisorEvent; serial: number; poolserial: number }): WireEvent {
  const attached = attachedLogBody(item.event);
  if (attached) {
    const { body, lines, lease } = attached;
    // the lines' bytes as read: the same payload as rendering their text, with no text made
    const event = item.event as ProcessLogEvent;
    const head = `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} channel:${event.channel}\n`;
    const headBytes = Buffer.from(head, 'utf8');
    const headChars = headBytes.length === head.length ? head.length : codePointLength(head);
    return {
      ...item,
      payload: [headBytes, body],
      payloadBytes: headBytes.length + body.length,
      payloadChars: headChars + utf8CodePoints(body),
      lineCount: lines,
      bodyLease: lease,
    };
  }
  const text = renderPayload(item.event);
  const payload = Buffer.from(text, 'utf8');
  // as many bytes as UTF-16 units means all ASCII (the usual case): no need to walk the text
  const payloadChars = payload.length === text.length ? text.length : codePointLength(text);
  return {
    event: item.event,
    serial: item.serial,
    poolserial: item.poolserial,
    payload: [payload],
    payloadBytes: payload.length,
    payloadChars,
    lineCount: lineCountOf(item.event),
    bodyLease: null,
  };
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
export function compactEvent(event: SupervisorEvent, payload: readonly Buffer[], lease: BodyLease | null = null): SupervisorEvent {
  if (event.type !== 'PROCESS_LOG_STDOUT' && event.type !== 'PROCESS_LOG_STDERR') return event;
  if (compacted.has(event)) return event;
  const start = logBodyStart(event);
  const compact = withoutLines(event) as unknown as ProcessLogEvent;
  let lines: readonly string[] | undefined;
  Object.defineProperty(compact, 'lines', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (lines) return lines;
      lease?.check();
      const bytes = payload.length === 1 ? payload[0]! : Buffer.concat(payload);
      return (lines = bytes.toString('utf8', start, bytes.length - 1).split('\n'));
    },
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
