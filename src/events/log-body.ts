// The bytes of a PROCESS_LOG event's lines as the child wrote them, kept beside the event where
// they are valid UTF-8 and every line is whole: a listener pool builds the payload from them
// without decoding the lines into strings and encoding them back (docs/decisions/0021). For such
// bytes the text of the lines encodes back to the very same bytes, so the payload is identical.
import { isAscii, isUtf8 } from 'node:buffer';
import type { ProcessLogEvent } from './types.js';

const bodies = new WeakMap<object, { body: Buffer; lines: number }>();
const NEWLINE = Buffer.from('\n');

/**
 * `lines` (each without its newline) as one body, each line followed by a newline, or null
 * when it would not be the lines' text byte for byte (not UTF-8).
 */
export function logBodyOf(lines: readonly Buffer[]): Buffer | null {
  // lines framed from one read are consecutive views of the same chunk, one newline apart: a run
  // of them is one view, newlines included
  const parts: Buffer[] = [];
  let memory: ArrayBufferLike | null = null;
  let runStart = 0;
  let runEnd = 0;
  const newlineAt = (at: number): boolean => at < memory!.byteLength && new Uint8Array(memory!, at, 1)[0] === 10;
  const flush = (): void => {
    if (memory === null) return;
    if (newlineAt(runEnd)) parts.push(Buffer.from(memory, runStart, runEnd - runStart + 1));
    else parts.push(Buffer.from(memory, runStart, runEnd - runStart), NEWLINE);
  };
  for (const line of lines) {
    if (memory !== null && line.buffer === memory && line.byteOffset === runEnd + 1 && newlineAt(runEnd)) {
      runEnd = line.byteOffset + line.length;
      continue;
    }
    flush();
    memory = line.buffer;
    runStart = line.byteOffset;
    runEnd = line.byteOffset + line.length;
  }
  flush();
  const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return isUtf8(body) ? body : null;
}

/** `body` holds `lines` lines of `event`, each with its newline. */
export function attachLogBody(event: ProcessLogEvent, body: Buffer, lines: number): void {
  bodies.set(event, { body, lines });
}

export function attachedLogBody(event: object): { body: Buffer; lines: number } | undefined {
  return bodies.get(event);
}

/** Code points in valid UTF-8 bytes: every byte but the continuation bytes (10xxxxxx). */
export function utf8CodePoints(bytes: Buffer): number {
  if (isAscii(bytes)) return bytes.length;
  let continuation = 0;
  for (let i = 0; i < bytes.length; i++) if ((bytes[i]! & 0xc0) === 0x80) continuation++;
  return bytes.length - continuation;
}
