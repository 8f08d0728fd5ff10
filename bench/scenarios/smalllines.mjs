// Scenario 2: small lines. 5 M lines of 20 bytes, one write(2) per line, to stdout_logfile: the
// per-chunk cost of the daemon, against the writer's own speed into a pipe (`writer | cat > file`).
import fs from 'node:fs';
import { captureUnderSupervisord, writerAlone } from '../capture.mjs';
import { makeTempDir, scaled, writerCommand } from '../lib.mjs';

const LINES = scaled(5_000_000);
const LINE_BYTES = 20;

export default {
  name: 'smalllines',
  number: 2,
  title: `Small lines: ${(LINES / 1e6).toFixed(LINES < 1e6 ? 2 : 0)} M lines of ${LINE_BYTES} bytes, one write per line`,
  method: () =>
    `The C writer in \`line\` mode: ${LINES} lines of ${LINE_BYTES} bytes (newline included), one write(2) each, ` +
    `as one program with \`stdout_logfile\` (no rotation), started over RPC; the clock stops when the log holds ` +
    `every byte (as scenario 1). In the same call, the writer alone: into \`cat > file\` (the limit of the ` +
    `stream: the writer's syscalls into a pipe) and into \`/dev/null\` (the writer with no pipe at all). ` +
    `"Limited by the writer" means lines/s close to \`writer | cat > file\`.`,
  notes:
    'What decides this figure (ADR 0008): the child\'s stdout is a real pipe (libuv\'s is a unix socketpair, ' +
    'where each small write(2) wakes the reader), read into one shared buffer; and when a small chunk comes ' +
    'less than 1 ms after the previous one, reading pauses for 1 ms and the pipe is widened to 256 KiB, so one ' +
    'read takes what the child wrote meanwhile. 4.2.5 gets the same batching from the time its Python loop ' +
    'takes per pass. Before these changes ours read two or three lines per wake-up: a quarter of 4.2.5\'s ' +
    'lines/s at four times its CPU.',
  defaultReps: 3,
  metrics: [
    { key: 'rate', label: 'lines/s into the log', unit: '/s', better: 'higher', target: { ratio: 1 } },
    { key: 'limit', label: '`writer | cat > file` lines/s (same call)', unit: '/s', better: 'higher' },
    { key: 'pct', label: '% of `writer | cat > file`', unit: '%', better: 'higher', target: { min: 90, text: 'i.e. limited by the writer' } },
    { key: 'devnull', label: '`writer > /dev/null` lines/s (same call)', unit: '/s', better: 'higher' },
    { key: 'cpu', label: 'daemon CPU', unit: 's', better: 'lower' },
    { key: 'cpuPerM', label: 'daemon CPU per million lines', unit: 's', better: 'lower', target: { ratio: 1 } },
    { key: 'rss', label: 'daemon peak RSS', unit: 'MiB', better: 'lower' },
    { key: 'lost', label: 'bytes missing from the log', unit: '', better: 'lower' },
  ],
  async once(daemon) {
    const writer = writerCommand();
    const args = ['line', LINE_BYTES, LINES];
    const bytes = LINES * LINE_BYTES;
    const dir = makeTempDir();
    try {
      const devnullMs = await writerAlone(dir, writer, args, { toNull: true });
      const limitMs = await writerAlone(dir, writer, args);
      const r = await captureUnderSupervisord(daemon, dir, writer, args, bytes);
      const lines = r.bytes / LINE_BYTES;
      return {
        rate: lines / (r.ms / 1000),
        limit: LINES / (limitMs / 1000),
        pct: (100 * (lines / r.ms)) / (LINES / limitMs),
        devnull: LINES / (devnullMs / 1000),
        cpu: r.cpuS,
        cpuPerM: r.cpuS / (lines / 1e6),
        rss: r.peakMiB,
        lost: bytes - r.bytes,
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
