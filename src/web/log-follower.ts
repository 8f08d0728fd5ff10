// One page following one process's output: the end of its log file first, then each new line as
// the daemon reads it from the child (the same lines plugins get), never by polling the file.
import { tailLog } from '../output/tail.js';
import type { OutputLine } from '../output/line-framer.js';
import type { Subprocess } from '../process/subprocess.js';

/** How much of the log file a newly opened view starts with. */
const INITIAL_TAIL_BYTES = 32 * 1024;

export type Channel = 'stdout' | 'stderr';

export interface LogMessage {
  type: 'log';
  namespec: string;
  channel: Channel;
  lines: string[];
  /** true for the first message: the view replaces what it showed */
  reset: boolean;
}

/** The last whole lines of the channel's log file ([] with no file). */
function initialLines(proc: Subprocess, channel: Channel): string[] {
  const info = proc.getInfo();
  const file = channel === 'stdout' ? info.stdout_logfile : info.stderr_logfile;
  if (file === '') return [];
  try {
    const [text, , overflow] = tailLog(file, 0, INITIAL_TAIL_BYTES);
    const lines = text.split('\n');
    // a cut-off first line and the empty string after the last newline are not lines
    if (overflow) lines.shift();
    if (lines.at(-1) === '') lines.pop();
    return lines;
  } catch {
    return [];
  }
}

/** Starts following; returns the function that stops. `send` gets the initial lines, then every new batch. */
export function followLog(proc: Subprocess, channel: Channel, send: (message: LogMessage) => void): () => void {
  const namespec = `${proc.group}:${proc.name}`;
  send({ type: 'log', namespec, channel, lines: initialLines(proc, channel), reset: true });
  const onLines = (lines: OutputLine[]): void => {
    const mine = lines.filter((l) => l.stream === channel).map((l) => l.text);
    if (mine.length) send({ type: 'log', namespec, channel, lines: mine, reset: false });
  };
  proc.on('lines', onLines);
  return () => proc.off('lines', onLines);
}
