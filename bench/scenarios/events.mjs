// Scenario 3: PROCESS_LOG events. A writer's lines go to an [eventlistener:x] pool of Python
// childutils listeners (1 and 4 processes) that answer OK at once, under a firehose and under a
// paced writer; lines delivered per second and lines lost. 4.2.5 with its default buffer
// (buffer_size=10, drop the oldest), ours with its default buffer_overflow=spool (never drop, up to
// 256 MiB; spelled out in the config, which 4.2.5 ignores). Then the same streams to an in-process
// no-op plugin (ours only: 4.2.5 has no plugins).
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, cpuMs, makeTempDir, quantile, scaled, sleep, startDaemon, totalSize, waitRunning, wallMs, writeConfig, writerProgram } from '../lib.mjs';

const LINE_BYTES = 100;
const FIREHOSE_LINES = scaled(1_000_000);
const PACED_RATE = 10_000;
const PACED_LINES = scaled(100_000); // 10 s at 10 k lines/s
// a run that delivers nothing new for this long is over: what is missing is lost
const STALL_MS = 3000;
const TIMEOUT_MS = Number(process.env.BENCH_EVENTS_TIMEOUT_S ?? 180) * 1000;

const WRITERS = {
  fire: { args: ['line', LINE_BYTES, FIREHOSE_LINES], lines: FIREHOSE_LINES, label: `firehose (${FIREHOSE_LINES} lines)` },
  paced: { args: ['paced', LINE_BYTES, PACED_LINES, PACED_RATE], lines: PACED_LINES, label: `paced ${PACED_RATE / 1000} k lines/s (${PACED_LINES} lines)` },
};
const VARIANTS = [
  { key: 'fire1', writer: 'fire', pool: 1 },
  { key: 'fire4', writer: 'fire', pool: 4 },
  { key: 'paced1', writer: 'paced', pool: 1 },
  { key: 'paced4', writer: 'paced', pool: 4 },
  { key: 'pluginFire', writer: 'fire', plugin: true },
  { key: 'pluginPaced', writer: 'paced', plugin: true },
];
const variantLabel = (v) => `${WRITERS[v.writer].label.replace(/ \(.*/, '')} → ${v.plugin ? 'in-process no-op plugin' : `pool of ${v.pool}`}`;

// BENCH_VARIANTS=key,key runs only those variants (while working on one figure)
const chosen = (v) => !process.env.BENCH_VARIANTS || process.env.BENCH_VARIANTS.split(',').includes(v.key);

const metrics = [];
for (const v of VARIANTS) {
  const label = variantLabel(v);
  metrics.push(
    {
      key: `rate_${v.key}`,
      label: `${label}: lines/s delivered`,
      unit: '/s',
      better: 'higher',
      // issue 9 asked 5× 4.2.5 for fire1 (out of reach, see the notes); issue 20 asks 1× and 1.5× for 4
      target: { fire1: { ratio: 1, issue: 20 }, fire4: { ratio: 1.5, issue: 20 }, pluginFire: { min: 1_000_000 } }[v.key],
    },
    { key: `lost_${v.key}`, label: `${label}: lines lost`, unit: '', better: 'lower', target: v.plugin ? undefined : { max: 0, text: 'ours, no-drop setting' } },
    { key: `lostPct_${v.key}`, label: `${label}: % lost`, unit: '%', better: 'lower' },
    { key: `perEvent_${v.key}`, label: `${label}: lines per event`, unit: '', better: 'higher' },
    { key: `cpu_${v.key}`, label: `${label}: daemon CPU`, unit: 's', better: 'lower' },
  );
  if (v.writer === 'paced' && !v.plugin) {
    metrics.push(
      { key: `p50_${v.key}`, label: `${label}: line-to-listener latency p50`, unit: 'ms', better: 'lower' },
      { key: `p99_${v.key}`, label: `${label}: line-to-listener latency p99`, unit: 'ms', better: 'lower' },
    );
  }
}

/** The latencies (ms) the listeners wrote, one file per listener process. */
function readLatencies(dir) {
  const all = [];
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) if (line) all.push(Number(line) / 1000);
  }
  return all;
}

function readCounts(dir) {
  let lines = 0;
  let events = 0;
  let last = 0;
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8').trim();
    if (!text) continue; // a listener that got no event yet
    const [l, e, t] = text.split(/\s+/).map(Number);
    lines += l;
    events += e;
    last = Math.max(last, t);
  }
  return { lines, events, last };
}

function config(dir, writer, v, counts, latencies) {
  const sections = [
    ...writerProgram(dir, writer.args, [`stdout_events_enabled=${v.plugin ? 'false' : 'true'}`]),
    '',
  ];
  if (v.plugin) {
    sections.push(
      '[plugin:noop]',
      `module=${path.join(BENCH_DIR, 'helpers', 'noop-plugin.mjs')}`,
      'events=PROCESS_LOG',
      'programs=w',
      `count_file=${counts}/plugin`,
    );
  } else {
    sections.push(
      '[eventlistener:l]',
      `command=/usr/bin/python3 ${path.join(BENCH_DIR, 'helpers', 'log-listener.py')}`,
      'events=PROCESS_LOG',
      `numprocs=${v.pool}`,
      'process_name=l_%(process_num)d',
      'buffer_overflow=spool',
      `environment=COUNT_DIR="${counts}"${v.writer === 'paced' ? `,LATENCY_FILE="${latencies}/l"` : ''}`,
      'stdout_logfile=NONE',
      `stderr_logfile=${dir}/listener.err`,
    );
  }
  return writeConfig(dir, sections.join('\n'));
}

export default {
  name: 'events',
  number: 3,
  title: 'Events: PROCESS_LOG to a listener pool and to an in-process plugin',
  method: () =>
    `One program, the C writer in \`line\` mode (one write(2) per ${LINE_BYTES}-byte line) as the firehose ` +
    `(${FIREHOSE_LINES} lines as fast as it can), or in \`paced\` mode (${PACED_RATE} lines/s, ${PACED_LINES} lines), with ` +
    `\`stdout_events_enabled=true\` and a log file. One \`[eventlistener:l]\` pool, \`events=PROCESS_LOG\`, ` +
    `\`numprocs\` 1 or 4, of \`bench/helpers/log-listener.py\` (Python, \`supervisor.childutils\` from the 4.2.5 package): ` +
    `it answers OK at once, then counts the newlines of the event's data and overwrites its count file. The ` +
    `config carries \`buffer_overflow=spool\` (our default, never drop; 4.2.5 ignores the key and keeps its default ` +
    `\`buffer_size=10\` drop-oldest buffer). The writer is started over RPC once the listeners are RUNNING; the run ends ` +
    `when every line has been counted, or when nothing new arrived for ${STALL_MS / 1000} s after the writer's last byte ` +
    `reached the log (then the rest is lost), or after ${TIMEOUT_MS / 1000} s. Lines/s delivered = lines counted / (time of the ` +
    `last counted event − the start). In the paced runs every line starts with its write time (the writer's wall clock, µs) and the listener ` +
    `records, for each whole line, the time from it to the arrival of the event that carried it: the latency rows. For the plugin rows (ours only), the same program without events enabled and a ` +
    `\`[plugin:noop]\` (\`bench/helpers/noop-plugin.mjs\`, \`programs=w\`) that counts the lines of each event.`,
  notes:
    'Lines per event is what a protocol listener\'s speed multiplies: 4.2.5 puts whatever one read of the ' +
    'pipe returned into one event (up to 128 KiB, often cut mid-line), ours the whole lines of one read (up to 256 KiB; a ' +
    'chatty child\'s pipe is gathered for 1 ms, ADR 0008). Issue 9\'s 5× target for a protocol listener was out of reach: ' +
    '4.2.5\'s "delivered" rate is already the writer\'s own less what its 10-event buffer drops, so 5× would be about ' +
    '13 M lines/s, more than the writer produces into a bare pipe (scenario 2\'s `writer | cat`); issue 20 asks 1× (pool ' +
    'of 1) and 1.5× (pool of 4) with nothing lost. How ours takes the firehose (ADR 0021): the payload is made once, ' +
    'from the lines\' bytes as read: the whole lines of one read are one body, with no object or string per line unless ' +
    'a plugin reads them, in recycled memory that the pools give back once an event is delivered (a fresh buffer per read made V8 run a full ' +
    'collection every ~10 MB); the envelope goes out as its parts (writev), so the lines are never copied after the read; a listener\'s stdin pipe is 256 KiB wide, so an envelope goes in one write; events past `buffer_size` wait in ' +
    'memory (`buffer_memory_maxbytes`, 4 MiB) and then in the spool file as those bytes, checked by a CRC-32 (before: JSON of the line ' +
    'strings, out to disk and back, the largest part of a profile of this run). Whatever the listener cannot take at ' +
    'once waits, so our figure is bounded by the listener\'s own speed (a Python loop per event) and by the daemon\'s CPU ' +
    'on 2 cores shared with the writer and the listener. The latency rows: 4.2.5\'s are of the lines it delivered ' +
    '(it drops the ones that would wait longest); ours include every line, those that waited behind a busy listener too. ' +
    'Issue 20\'s 1.5× for a pool of 4 is missed: on 2 cores, four Python listeners, the writer and the daemon share the CPU, so the ' +
    'listeners cannot run side by side and a pool of 4 goes no faster than a pool of 1. Our daemon now spends about what 4.2.5 spends ' +
    'per line (ADR 0021, last amendment); in a perf profile of the pool-of-1 firehose the writer\'s own write(2) per line takes 56 % ' +
    'of the samples, the daemon\'s main thread 38 %, its GC thread 6 %. 4.2.5\'s rate is its writer\'s, less what it drops. Its peak ' +
    'anonymous memory target is missed too: ours is the idle daemon\'s ~22 MiB plus what a burst holds by design, the 10-event ' +
    'buffer and the 4 MiB memory tier of events that are never dropped, up to 8 MiB of recycled body blocks and the young ' +
    'generation grown by the burst (before the recycled bodies: 63 to 75 MiB, garbage awaiting a full collection); 4.2.5 holds ' +
    'at most 10 events and drops the rest.',
  defaultReps: 2,
  metrics,
  async once(daemon) {
    const out = {};
    for (const v of VARIANTS.filter(chosen)) {
      if (v.plugin && daemon.id !== 'ours') continue;
      const writer = WRITERS[v.writer];
      const dir = makeTempDir();
      const counts = path.join(dir, 'counts');
      fs.mkdirSync(counts);
      const latencies = path.join(dir, 'latencies');
      fs.mkdirSync(latencies);
      const d = await startDaemon(daemon, dir, config(dir, writer, v, counts, latencies));
      try {
        if (!v.plugin) await waitRunning(d.rpc, Array.from({ length: v.pool }, (_, i) => `l:l_${i}`));
        else await sleep(200); // the plugin's setup is asynchronous
        const logBytes = writer.lines * LINE_BYTES;
        const cpu0 = cpuMs(d.pid);
        const t0 = wallMs();
        await d.rpc.call('supervisor.startProcess', ['w', false]);
        let seen = 0;
        let seenAt = wallMs();
        for (;;) {
          await sleep(20);
          const c = readCounts(counts);
          if (c.lines !== seen) {
            seen = c.lines;
            seenAt = wallMs();
          }
          if (seen >= writer.lines) break;
          const writerDone = totalSize([path.join(dir, 'w.log')]) >= logBytes;
          if (writerDone && wallMs() - seenAt > STALL_MS) break;
          if (wallMs() - t0 > TIMEOUT_MS) break;
        }
        const cpu = (cpuMs(d.pid) - cpu0) / 1000;
        const c = readCounts(counts);
        // the plugin writes its counts every 20 ms: its "last" is in epoch ms, the listeners' in seconds
        const lastMs = v.plugin ? c.last : c.last * 1000;
        out[`rate_${v.key}`] = c.lines / ((lastMs - t0) / 1000);
        out[`lost_${v.key}`] = writer.lines - c.lines;
        out[`lostPct_${v.key}`] = (100 * (writer.lines - c.lines)) / writer.lines;
        out[`perEvent_${v.key}`] = c.lines / c.events;
        out[`cpu_${v.key}`] = cpu;
        if (v.writer === 'paced' && !v.plugin) {
          const ms = readLatencies(latencies);
          out[`p50_${v.key}`] = quantile(ms, 0.5);
          out[`p99_${v.key}`] = quantile(ms, 0.99);
        }
      } finally {
        await d.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return out;
  },
};
