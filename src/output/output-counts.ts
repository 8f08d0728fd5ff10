// How much a process wrote on each stream, counted as the bytes arrive from its pipe (before
// strip_ansi, timestamps or capture mode change them, and whether or not a log file keeps them).
import type { OutputStream } from './line-framer.js';

export interface StreamCounts {
  /** bytes read from the pipe */
  bytes: number;
  /** newline characters among them: a last line without its newline is not (yet) a line */
  lines: number;
}

export type OutputCounts = Record<OutputStream, StreamCounts>;

/** What readers (the metrics) get: the live totals, not theirs to change. */
export type OutputCountsView = { readonly [S in OutputStream]: Readonly<StreamCounts> };

export function emptyOutputCounts(): OutputCounts {
  return { stdout: { bytes: 0, lines: 0 }, stderr: { bytes: 0, lines: 0 } };
}

const NEWLINE = 0x0a;

/** Counts in place: one native search per line, no allocation (the plain log path stays line-free). */
export function countChunk(counts: StreamCounts, chunk: Buffer): void {
  counts.bytes += chunk.length;
  let lines = 0;
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) lines++;
  counts.lines += lines;
}

/** Adds a chunk whose newlines were already counted (by the line framer that framed it). */
export function countBytesAndLines(counts: StreamCounts, bytes: number, newlines: number): void {
  counts.bytes += bytes;
  counts.lines += newlines;
}
