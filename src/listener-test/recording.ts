// A recording made by `supervisorctl events --json`: one event per line, replayed in order.
import fs from 'node:fs';
import { eventFromJson, EventJsonError } from '../events/json.js';
import type { BenchEvent } from './report.js';

export class RecordingError extends Error {
  readonly code = 'SUP_ERR_BENCH_RECORDING';
}

/** The events of a JSON-lines file; blank lines are skipped; a bad line is an error naming the file and line. */
export function readRecording(file: string): BenchEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RecordingError(`cannot read the recording ${file}: ${(err as Error).message}`);
  }
  const events: BenchEvent[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      events.push({ event: eventFromJson(line), label: '' });
    } catch (err) {
      if (!(err instanceof EventJsonError)) throw err;
      throw new RecordingError(`${file} line ${i + 1}: ${err.message}`);
    }
  }
  if (events.length === 0) throw new RecordingError(`${file} holds no events (record some with: supervisorctl events --json > ${file})`);
  return events;
}
