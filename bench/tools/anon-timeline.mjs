#!/usr/bin/env node
// Our daemon's anonymous RSS (RssAnon of /proc/PID/status) sampled every 2 ms through the load of
// the idle, rpc or probe scenario (the same configs and clients, shortened), for the table of steps
// in docs/decisions/0020: the peak, when it came, the value once the socket answered and at the end.
// The bench samples every 50 ms; this finds what a transient is made of.
//   node bench/tools/anon-timeline.mjs idle|rpc|probe [--reps=3] [--trace] [-- NODE_ARG...]
// --trace prints every change of 0.4 MiB or more with the phase marks. BENCH_OURS_ROOT=DIR measures
// another checkout (the parent commit of a change).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { compiledHelper, DAEMONS, makeTempDir, median, procStatus, sleep, startDaemon, waitAllRunning, waitRunning, writeConfig } from '../lib.mjs';

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const nodeArgs = dash >= 0 ? args.slice(dash + 1) : [];
const own = dash >= 0 ? args.slice(0, dash) : args;
const scenario = own.find((a) => !a.startsWith('--'));
const reps = Number(own.find((a) => a.startsWith('--reps='))?.split('=')[1] ?? 3);
const trace = own.includes('--trace');
if (!['idle', 'rpc', 'probe'].includes(scenario)) {
  console.error('usage: anon-timeline.mjs idle|rpc|probe [--reps=N] [--trace] [-- NODE_ARG...]');
  process.exit(2);
}
const ours = DAEMONS[0];
const daemon = { ...ours, argv: [ours.argv[0], ...nodeArgs, ...ours.argv.slice(1)] };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(argv[0])} exited ${code}`))));
  });
}

const PROGRAM = 'command=sleep infinity\nstdout_logfile=NONE\nstderr_logfile=NONE\n';

async function once() {
  const dir = makeTempDir('sv-anon-');
  const port = await freePort();
  const body = {
    idle: Array.from({ length: 50 }, (_, i) => `[program:idle${i}]\n${PROGRAM}`).join('\n'),
    rpc: `[program:idle]\n${PROGRAM}`,
    probe: `[probe_http_server]\nport=127.0.0.1:${port}\n\n[program:app]\nstartsecs=1\n${PROGRAM}`,
  }[scenario];
  const conf = writeConfig(dir, body, scenario === 'idle' ? 'minfds=4096' : '');
  const samples = [];
  const marks = [];
  const t0 = performance.now();
  let pid = null;
  // 2 ms: the V8 compaction that moves every page lasts ~20 ms (ADR 0020), the bench's 50 ms can miss it
  const timer = setInterval(() => {
    if (pid === null) return;
    try {
      samples.push([performance.now() - t0, procStatus(pid).rssAnonKb / 1024]);
    } catch {
      /* exited */
    }
  }, 2);
  const mark = (what) => marks.push([performance.now() - t0, what]);
  const d = await startDaemon(daemon, dir, conf);
  pid = d.pid;
  mark('socket answers');
  try {
    if (scenario === 'idle') {
      await waitAllRunning(d.rpc, 50);
      mark('all RUNNING');
      d.rpc.close();
      // past V8's memory reducer (8 s after the boot's full collection): its compaction is part of the peak
      await sleep(12_000);
    } else if (scenario === 'rpc') {
      const client = compiledHelper('rpc-client');
      if (!client) throw new Error('the rpc timeline needs a C compiler for bench/helpers/rpc-client.c');
      mark('1 client');
      await run([client, path.join(dir, 'sock'), '1', '2000', '3000']);
      mark('4 clients');
      await run([client, path.join(dir, 'sock'), '4', '2000', '3000']);
      mark('done');
    } else {
      const client = compiledHelper('probe-client');
      if (!client) throw new Error('the probe timeline needs a C compiler for bench/helpers/probe-client.c');
      await waitRunning(d.rpc, ['app']);
      mark('httpGet probes');
      await run([client, 'http', String(port), '/readyz/app', '3050']);
      mark('exec probes');
      await run([client, 'exec', '20', ...ours.ctl, '-c', conf, 'status', '--probe', 'app']);
      mark('done');
    }
    await sleep(500);
  } finally {
    clearInterval(timer);
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const peak = samples.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (trace) {
    console.log(marks.map(([t, what]) => `  ${t.toFixed(0).padStart(6)} ms  -- ${what}`).join('\n'));
    let last = -1;
    for (const [t, v] of samples) {
      if (Math.abs(v - last) < 0.4) continue;
      console.log(`  ${t.toFixed(0).padStart(6)} ms  ${v.toFixed(1)} MiB`);
      last = v;
    }
  }
  const atSocket = samples.find(([t]) => t >= marks[0][0])?.[1] ?? samples[0][1];
  return { peak: peak[1], peakAt: peak[0], atSocket, end: samples.at(-1)[1] };
}

const runs = [];
for (let i = 0; i < reps; i++) {
  const r = await once();
  runs.push(r);
  console.log(`${scenario} [${nodeArgs.join(' ') || 'no extra flags'}] run ${i + 1}: peak ${r.peak.toFixed(1)} MiB at ${(r.peakAt / 1000).toFixed(1)} s, ${r.atSocket.toFixed(1)} when the socket answered, ${r.end.toFixed(1)} at the end`);
}
const m = (k) => median(runs.map((r) => r[k])).toFixed(1);
console.log(`${scenario}: median of ${reps}: peak ${m('peak')} MiB, at socket ${m('atSocket')}, end ${m('end')}`);
process.exit(0);
