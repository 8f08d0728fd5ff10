// The bytes of a PROCESS_LOG event's lines as the child wrote them, kept beside the event where
// they are valid UTF-8 and every line is whole: a listener pool builds the payload from them
// without decoding the lines into strings and encoding them back (docs/decisions/0021). For such
// bytes the text of the lines encodes back to the very same bytes, so the payload is identical.
import { isAscii, isUtf8 } from 'node:buffer';
import type { ProcessLogEvent } from './types.js';
import { joinLines } from '../output/line-framer.js';
import type { BodyLease } from '../output/body-blocks.js';

/** The lines' bytes; `lease` when their memory is recycled: a holder retains it (body-blocks.ts). */
export interface AttachedLogBody {
  body: Buffer;
  lines: number;
  lease: BodyLease | null;
}

const bodies = new WeakMap<object, AttachedLogBody>();

/**
 * `lines` (each without its newline) as one body, each line followed by a newline, or null
 * when it would not be the lines' text byte for byte (not UTF-8).
 */
export function logBodyOf(lines: readonly Buffer[]): Buffer | null {
  const body = joinLines(lines);
  return isUtf8(body) ? body : null;
}

/** `body` holds `lines` lines of `event`, each with its newline. */
export function attachLogBody(event: ProcessLogEvent, body: Buffer, lines: number, lease: BodyLease | null = null): void {
  bodies.set(event, { body, lines, lease });
}

export function attachedLogBody(event: object): AttachedLogBody | undefined {
  return bodies.get(event);
}

/** Code points in valid UTF-8 bytes: every byte but the continuation bytes (10xxxxxx). */
export function utf8CodePoints(bytes: Buffer): number {
  if (isAscii(bytes)) return bytes.length;
  let continuation = 0;
  for (let i = 0; i < bytes.length; i++) if ((bytes[i]! & 0xc0) === 0x80) continuation++;
  return bytes.length - continuation;
}
