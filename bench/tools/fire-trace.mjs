#!/usr/bin/env node
// One PROCESS_LOG firehose of bench 3 (`fire1`/`fire4`: the C writer, a million 100-byte lines, to
// a pool of Python childutils listeners), traced: the daemon's user and system CPU, its full
// mark-compacts (ours, from --trace-gc), its anonymous RSS at the start and at the peak (sampled
// every 5 ms), when the writer was done and the last event arrived, and per event how long the
// listener waited on the daemon. What docs/decisions/0021 measured the recycled bodies with.
//   node bench/tools/fire-trace.mjs [ours|theirs] [pool size] [rounds]
// BENCH_OURS_ROOT=DIR traces another checkout (an A/B of a change); rounds interleave nothing:
// run it for each side in turn.
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, DAEMONS, makeTempDir, median, sleep, startDaemon, totalSize, waitRunning, wallMs, writeConfig, writerProgram } from '../lib.mjs';

const [which = 'ours', poolArg = '1', roundsArg = '1'] = process.argv.slice(2);
const pool = Number(poolArg);
const LINES = 1_000_000;
const base = DAEMONS.find((d) => d.id === which);
if (!base || !base.argv) throw new Error(`no daemon "${which}": ours or theirs`);
// our daemon prints its collections; 4.2.5 has none to print
const daemon = which === 'ours' ? { ...base, argv: [base.argv[0], '--trace-gc', ...base.argv.slice(1)] } : base;

const anonMiB = (pid) => Number(/RssAnon:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

async function once() {
  const dir = makeTempDir('sv-fire-trace-');
  const config = writeConfig(
    dir,
    [
      ...writerProgram(dir, ['line', 100, LINES], ['stdout_events_enabled=true']),
      '',
      '[eventlistener:l]',
      `command=/usr/bin/python3 ${path.join(BENCH_DIR, 'helpers', 'trace-listener.py')}`,
      'events=PROCESS_LOG',
      `numprocs=${pool}`,
      'process_name=l_%(process_num)d',
      'buffer_overflow=spool',
      `environment=TRACE="${dir}/trace"`,
      'stdout_logfile=NONE',
      `stderr_logfile=${dir}/listener.err`,
    ].join('\n'),
  );
  const d = await startDaemon(daemon, dir, config);
  try {
    await waitRunning(d.rpc, Array.from({ length: pool }, (_, i) => `l:l_${i}`));
    const anonStart = anonMiB(d.pid);
    let anonPeak = anonStart;
    const sampler = setInterval(() => (anonPeak = Math.max(anonPeak, anonMiB(d.pid))), 5);
    const cpu0 = cpuMs(d.pid);
    const t0 = wallMs();
    await d.rpc.call('supervisor.startProcess', ['w', false]);
    while (totalSize([path.join(dir, 'w.log')]) < LINES * 100) await sleep(5);
    const writerDone = wallMs() - t0;
    await sleep(2500); // what the pool still holds reaches the listeners
    clearInterval(sampler);
    const cpu1 = cpuMs(d.pid);
    const events = [];
    for (const name of fs.readdirSync(dir).filter((f) => f.startsWith('trace.'))) {
      for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean)) {
        const [waiting, arrived, lines] = line.split(' ').map(Number);
        events.push({ waited: (arrived - waiting) * 1000, arrived: arrived * 1000 - t0, lines });
      }
    }
    const lines = events.reduce((n, e) => n + e.lines, 0);
    const last = Math.max(...events.map((e) => e.arrived));
    return {
      lines,
      events: events.length,
      linesPerSecond: Math.round(lines / (last / 1000)),
      writerDoneMs: Math.round(writerDone),
      lastEventMs: Math.round(last),
      userMs: cpu1.user - cpu0.user,
      systemMs: cpu1.system - cpu0.system,
      markCompacts: (d.output().match(/Mark-Compact/g) ?? []).length,
      anonStartMiB: +anonStart.toFixed(1),
      anonPeakMiB: +anonPeak.toFixed(1),
      listenerWaitP50Ms: +median(events.map((e) => e.waited)).toFixed(3),
    };
  } finally {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (let i = 0; i < Number(roundsArg); i++) console.log(JSON.stringify({ which, pool, ...(await once()) }));
