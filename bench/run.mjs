#!/usr/bin/env node
// Runs the benchmark scenarios against our supervisord and the real Supervisor 4.2.5, one after
// the other on the same generated config, several repetitions each (alternating ours/theirs),
// writes bench/results/latest.json and regenerates docs/benchmarks.md.
//   node bench/run.mjs             all scenarios
//   node bench/run.mjs rpc idle    only these (results merged into latest.json)
//   BENCH_REPS=5                   repetitions for every scenario (default: per scenario)
//   BENCH_SCALE=0.1                every size times 0.1, for a quick run (default 1: the issue's sizes)
//   BENCH_PM2=0                    leave PM2 out (it is installed from npm into bench/.deps on first use)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BENCH_DIR, DAEMONS, SCALE, closeMemoryWindow, openMemoryWindow, summarize } from './lib.mjs';
import { pm2Available, pm2Label } from './pm2.mjs';
import { writeReport } from './report.mjs';

const ORDER = ['logcapture', 'smalllines', 'events', 'crashloop', 'scale', 'idle', 'rpc', 'shipping', 'probe', 'memlimit'];
const available = ORDER.filter((n) => fs.existsSync(path.join(BENCH_DIR, 'scenarios', `${n}.mjs`)));
const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!available.includes(w)) {
    console.error(`unknown scenario ${w}; available: ${available.join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length ? wanted : available;

// every scenario gets these rows (issue 20): the peaks over the daemons one repetition started
const MEMORY_METRICS = [
  { key: 'memRssPeak', label: 'daemon peak RSS (all scenario phases)', unit: 'MiB', better: 'lower' },
  {
    key: 'memAnonPeak',
    label: 'daemon peak anonymous RSS (RssAnon)',
    unit: 'MiB',
    better: 'lower',
    target: { maxRatio: 1.25, issue: 20 },
  },
  { key: 'memFilePeak', label: 'daemon peak file-backed RSS (RssFile)', unit: 'MiB', better: 'lower' },
];
// PM2's God daemon is not started with startDaemon: its rows stay empty rather than wrong
const memoryFigures = (m) =>
  Number.isFinite(m.rssPeakMiB) ? { memRssPeak: m.rssPeakMiB, memAnonPeak: m.rssAnonPeakMiB, memFilePeak: m.rssFilePeakMiB } : {};

const resultsFile = path.join(BENCH_DIR, 'results', 'latest.json');
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
const previous = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { scenarios: {} };

function realVersion() {
  try {
    return execFileSync(DAEMONS[1].argv[0], ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
const machine = {
  nproc: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  kernel: `${os.type()} ${os.release()}`,
  node: process.version,
  supervisor: realVersion(),
  date: new Date().toISOString(),
  scale: SCALE,
  // the machine may be shared: the load before the run says how quiet it was
  loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
};
const started = Date.now();

const results = { machine, scenarios: { ...previous.scenarios } };
for (const name of names) {
  const scenario = (await import(`./scenarios/${name}.mjs`)).default;
  const n = Number(process.env.BENCH_REPS ?? scenario.defaultReps);
  const wants = scenario.daemons ?? ['ours', 'theirs'];
  const daemons = DAEMONS.filter((d) => wants.includes(d.id) && (d.id !== 'pm2' || pm2Available())).map((d) =>
    d.id === 'pm2' ? { ...d, label: pm2Label() } : d,
  );
  const raw = Object.fromEntries(daemons.map((d) => [d.id, []]));
  const t0 = Date.now();
  console.log(`== ${scenario.number}. ${scenario.title} (${n} repetitions)`);
  for (let i = 0; i < n; i++) {
    // rotate which daemon goes first so drift (thermal, caches, the neighbours' load) hits all alike
    const order = daemons.map((_, k) => daemons[(k + i) % daemons.length]);
    for (const daemon of order) {
      const t = Date.now();
      openMemoryWindow();
      const r = { ...(await scenario.once(daemon)), ...memoryFigures(closeMemoryWindow()) };
      raw[daemon.id].push(r);
      const shown = Object.entries(r)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${[v].flat().map((x) => +Number(x).toFixed(3)).join(',')}`)
        .join(' ');
      console.log(`  [${i + 1}/${n}] ${daemon.id.padEnd(6)} ${shown}  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
  }
  const summary = {};
  scenario.metrics = [...scenario.metrics, ...MEMORY_METRICS];
  for (const m of scenario.metrics) {
    summary[m.key] = Object.fromEntries(daemons.map((d) => [d.id, summarize(raw[d.id].flatMap((r) => [r[m.key]].flat()))]));
  }
  results.scenarios[name] = {
    number: scenario.number,
    title: scenario.title,
    method: typeof scenario.method === 'function' ? scenario.method() : scenario.method,
    notes: scenario.notes ?? '',
    reps: n,
    daemons: daemons.map((d) => ({ id: d.id, label: d.label })),
    metrics: scenario.metrics,
    summary,
    seconds: Math.round((Date.now() - t0) / 1000),
    machine,
  };
  // written after every scenario, so an interrupted run keeps what it measured
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
}
results.machine.seconds = Math.round((Date.now() - started) / 1000);
results.machine.loadavgAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);
fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
const doc = writeReport(results);
console.log(`wrote ${path.relative(process.cwd(), resultsFile)} and ${path.relative(process.cwd(), doc)} (${results.machine.seconds} s)`);
// PM2's client keeps the event loop alive after its daemon is gone
process.exit(0);
