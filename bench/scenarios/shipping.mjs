// Scenario 8: shipping. A burst of a million numbered lines shipped by the fluentd plugin, with its
// default settings (ack=true, 8 MiB of memory, the spool), to a Fluentd forward input on 127.0.0.1
// in a process of its own (bench/helpers/forward-receiver.mjs); beside it, the same burst to the
// in-process no-op plugin of scenario 3: what shipping costs over merely getting the lines. Ours
// only: 4.2.5 has no plugins, and a log shipper run as its event listener would be measuring
// scenario 3 again (one event at a time through the listener protocol).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BENCH_DIR, cpuMs, makeTempDir, scaled, sleep, startDaemon, totalSize, wallMs, writeConfig, writerProgram } from '../lib.mjs';

const LINE_BYTES = 100;
const LINES = scaled(1_000_000);
// a run that delivers nothing new for this long after the writer's last byte reached the log is over
const STALL_MS = 3000;
const TIMEOUT_MS = 180_000;

const VARIANTS = [
  { key: 'fluentd', label: `${LINES / 1e6 >= 1 ? `${LINES / 1e6} M` : LINES}-line burst → fluentd (ack=true, default settings)` },
  { key: 'noop', label: `${LINES / 1e6 >= 1 ? `${LINES / 1e6} M` : LINES}-line burst → in-process no-op plugin` },
];

const metrics = [
  { key: 'rate_fluentd', label: `${VARIANTS[0].label}: lines/s delivered`, unit: '/s', better: 'higher', target: { min: 250_000 } },
  { key: 'lost_fluentd', label: `${VARIANTS[0].label}: lines lost`, unit: '', better: 'lower', target: { max: 0 } },
  { key: 'repeats_fluentd', label: `${VARIANTS[0].label}: lines delivered twice`, unit: '', better: 'lower' },
  { key: 'cpuPerM_fluentd', label: `${VARIANTS[0].label}: daemon CPU per million lines`, unit: 's', better: 'lower' },
  { key: 'spooled_fluentd', label: `${VARIANTS[0].label}: % of lines that waited in the spool`, unit: '%' },
  { key: 'receiverCpuPerM', label: `${VARIANTS[0].label}: receiver CPU per million lines (the harness, its own process)`, unit: 's' },
  { key: 'rate_noop', label: `${VARIANTS[1].label}: lines/s delivered`, unit: '/s', better: 'higher' },
  { key: 'cpuPerM_noop', label: `${VARIANTS[1].label}: daemon CPU per million lines`, unit: 's', better: 'lower' },
];

/** bench/helpers/forward-receiver.mjs in its own process; resolves once it listens. */
async function startReceiver(expected) {
  const child = spawn(process.execPath, [path.join(BENCH_DIR, 'helpers', 'forward-receiver.mjs'), String(expected)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const state = { port: 0, distinct: 0, repeats: 0, other: 0, last: 0 };
  let pending = '';
  child.stdout.on('data', (d) => {
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const [word, ...values] = line.split(' ');
      if (word === 'PORT') state.port = Number(values[0]);
      if (word === 'COUNT') [state.distinct, state.repeats, state.other, state.last] = values.map(Number);
    }
  });
  while (state.port === 0) {
    if (child.exitCode !== null) throw new Error('the forward receiver exited');
    await sleep(10);
  }
  return { child, state };
}

/** "<lines> <events> <epoch ms of the last event>" of the no-op plugin's count file. */
function noopCounts(file) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  const [lines = 0, , last = 0] = text.split(/\s+/).map(Number);
  return { distinct: lines, repeats: 0, last };
}

function scrapeCounter(socketPath, name) {
  return new Promise((resolve) => {
    http
      .get({ socketPath, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(Number(new RegExp(`^supervisor_plugin_counter_total\\{plugin="ship",name="${name}"\\} (\\S+)$`, 'm').exec(body)?.[1] ?? 0)));
      })
      .on('error', () => resolve(NaN));
  });
}

function config(dir, variant, port) {
  const sections = [
    ...writerProgram(dir, ['numbered', LINE_BYTES, LINES]),
    '',
  ];
  if (variant.key === 'fluentd') sections.push('[plugin:ship]', 'module=fluentd', `port=${port}`, 'programs=w', 'events=PROCESS_LOG');
  else sections.push('[plugin:noop]', `module=${path.join(BENCH_DIR, 'helpers', 'noop-plugin.mjs')}`, 'events=PROCESS_LOG', 'programs=w', `count_file=${dir}/counts`);
  return writeConfig(dir, sections.join('\n'));
}

export default {
  name: 'shipping',
  number: 8,
  title: 'Shipping: a burst of output lines to Fluentd',
  daemons: ['ours'],
  method: () =>
    `One program, the C writer in \`numbered\` mode (${LINES} lines of ${LINE_BYTES} bytes, each starting with its number, ` +
    `packed into 64 KiB writes, as fast as it can), with a log file and a \`[plugin:ship]\` (\`module=fluentd\`, ` +
    '`programs=w`, every other key at its default: `ack=true`, 8 MiB of memory, a 256 MiB spool in the state directory). ' +
    'The Fluentd forward input is `bench/helpers/forward-receiver.mjs` on 127.0.0.1, in its own process (its CPU is not ' +
    "the daemon's): it acknowledges each chunk and counts each record's line number, first arrivals and repeats apart. " +
    'The writer is started over RPC once the plugin has started; the run ends when every line has arrived, or when ' +
    `nothing new arrived for ${STALL_MS / 1000} s after the writer's last byte reached the log (the rest is lost). Lines/s ` +
    'delivered = distinct lines / (arrival of the last one − the start); daemon CPU from /proc/PID/stat over the same span; ' +
    'the share that waited in the spool is the plugin\'s `records_spooled` from `/metrics`. The no-op rows: the same ' +
    'writer and burst to the in-process no-op plugin of scenario 3 (`bench/helpers/noop-plugin.mjs`). Ours only: 4.2.5 has no plugins.',
  notes:
    'How fluentd ships (ADR 0012): each event\'s lines are encoded once into msgpack entries (the fields from a per-event ' +
    'template), grouped per tag into chunks of up to 1 MiB and sent as PackedForward messages, up to 4 MiB in flight, each ' +
    'acknowledged by chunk id. Whenever the receiver acknowledges more slowly than the daemon reads the burst, memory ' +
    '(8 MiB) fills within milliseconds and what follows waits in the spool (appended, then read back as acknowledgements ' +
    'free memory): from none to most of the burst, from run to run, and no line is lost whatever the burst, up to 256 MiB ' +
    'on disk. Before (through @fluent-org/logger, which encodes each record with a new msgpack encoder) the client alone ' +
    'took 3 to 5 s of CPU per million records, and a burst of 20,000 lines lost a third of them.',
  defaultReps: 3,
  metrics,
  async once(daemon) {
    const out = {};
    for (const variant of VARIANTS) {
      const dir = makeTempDir();
      const receiver = variant.key === 'fluentd' ? await startReceiver(LINES) : null;
      const counts = () => (receiver ? receiver.state : noopCounts(path.join(dir, 'counts')));
      const d = await startDaemon(daemon, dir, config(dir, variant, receiver?.state.port));
      try {
        const started = new RegExp(`plugin ${variant.key === 'fluentd' ? 'ship' : 'noop'}: started`);
        while (!started.test(fs.readFileSync(path.join(dir, 'supervisord.log'), 'utf8'))) await sleep(10);
        const cpu0 = cpuMs(d.pid);
        const receiverCpu0 = receiver ? cpuMs(receiver.child.pid) : 0;
        const t0 = wallMs();
        await d.rpc.call('supervisor.startProcess', ['w', false]);
        let seen = 0;
        let seenAt = wallMs();
        for (;;) {
          await sleep(20);
          const c = counts();
          if (c.distinct + c.repeats !== seen) {
            seen = c.distinct + c.repeats;
            seenAt = wallMs();
          }
          if (c.distinct >= LINES) break;
          const writerDone = totalSize([path.join(dir, 'w.log')]) >= LINES * LINE_BYTES;
          if (writerDone && wallMs() - seenAt > STALL_MS) break;
          if (wallMs() - t0 > TIMEOUT_MS) break;
        }
        const cpu = (cpuMs(d.pid) - cpu0) / 1000;
        const c = counts();
        out[`rate_${variant.key}`] = c.distinct / ((c.last - t0) / 1000);
        out[`cpuPerM_${variant.key}`] = cpu / (LINES / 1e6);
        if (receiver) {
          out.lost_fluentd = LINES - c.distinct;
          out.repeats_fluentd = c.repeats;
          out.spooled_fluentd = (100 * (await scrapeCounter(path.join(dir, 'sock'), 'records_spooled'))) / LINES;
          out.receiverCpuPerM = (cpuMs(receiver.child.pid) - receiverCpu0) / 1000 / (LINES / 1e6);
        }
      } finally {
        await d.stop();
        receiver?.child.kill();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return out;
  },
};
