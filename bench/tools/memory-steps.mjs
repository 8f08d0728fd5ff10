#!/usr/bin/env node
// The memory of our daemon in two states, for a table of steps (docs/decisions/0020): idle with
// one program, and with N programs RUNNING (default 1000). RSS, anonymous RSS and file-backed RSS
// from /proc/PID/status, and V8's heap spaces from the daemon's own /metrics-free view: none, so
// only what /proc says. Run it with the node flags to compare:
//   node bench/tools/memory-steps.mjs [--programs=1000] [--reps=3] [-- NODE_ARG...]
// BENCH_OURS_ROOT=DIR measures another checkout (the parent commit of a change).
import { DAEMONS, makeTempDir, median, procStatus, sleep, startDaemon, waitAllRunning, writeConfig } from '../lib.mjs';
import fs from 'node:fs';

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const nodeArgs = dash >= 0 ? args.slice(dash + 1) : [];
const opt = (name, fallback) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const programsN = opt('programs', 1000);
const reps = opt('reps', 3);
const ours = DAEMONS[0];
const daemon = { ...ours, argv: [ours.argv[0], ...nodeArgs, ...ours.argv.slice(1)] };

const programs = (n) =>
  Array.from({ length: n }, (_, i) => `[program:p${i}]\ncommand=sleep infinity\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`).join('\n');

async function measure(n) {
  const dir = makeTempDir('sv-memsteps-');
  const d = await startDaemon(daemon, dir, writeConfig(dir, programs(n), 'minfds=16384\nminprocs=4096'), 120_000);
  try {
    await waitAllRunning(d.rpc, n);
    await sleep(2000);
    const s = procStatus(d.pid);
    return { rss: s.rssKb / 1024, anon: s.rssAnonKb / 1024, file: s.rssFileKb / 1024 };
  } finally {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const n of [1, programsN]) {
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await measure(n));
  const m = (k) => median(runs.map((r) => r[k])).toFixed(1);
  console.log(`${n} program(s) [${nodeArgs.join(' ') || 'no flags'}]: RSS ${m('rss')} MiB, anon ${m('anon')} MiB, file ${m('file')} MiB (median of ${reps})`);
}
process.exit(0);
