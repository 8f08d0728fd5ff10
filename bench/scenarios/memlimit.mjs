// Scenario 9: what memory_limit's sampler costs: 100 idle programs with and without memory_limit.
import fs from 'node:fs';
import path from 'node:path';
import { cpuMs, makeTempDir, REPO_ROOT, scaled, sleep, startDaemon, waitAllRunning, writeConfig } from '../lib.mjs';

const PROGRAMS = 100;
const WINDOW_S = Number(process.env.BENCH_MEMLIMIT_SECONDS ?? scaled(30, 6));
const SETTLE_MS = 3000;
const PASSES = 200;

const VARIANTS = [
  { key: 'none', extra: '' },
  // far above what `sleep` uses: the sampler runs, nothing is restarted
  { key: 'limited', extra: 'memory_limit=1GB\n' },
];

function config(dir, variant) {
  let body = '';
  for (let i = 0; i < PROGRAMS; i++) {
    body += `[program:p${i}]\ncommand=sleep infinity\nstdout_logfile=NONE\nstderr_logfile=NONE\n${variant.extra}\n`;
  }
  return writeConfig(dir, body, 'minfds=4096');
}

/** CPU of one /proc pass over these pids, measured in this process (the daemon's own code, from dist/). */
async function passCostMs(pids) {
  const { ProcessTable } = await import(path.join(REPO_ROOT, 'dist', 'src', 'process', 'process-table.js'));
  const table = new ProcessTable();
  for (let i = 0; i < 20; i++) table.read(pids);
  const before = process.cpuUsage();
  for (let i = 0; i < PASSES; i++) table.read(pids);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / PASSES;
}

export default {
  name: 'memlimit',
  number: 10,
  title: `Memory limits: the sampler's cost with ${PROGRAMS} programs`,
  daemons: ['ours'],
  method:
    `${PROGRAMS} programs \`sleep infinity\` (output to NONE), once without memory_limit and once with \`memory_limit=1GB\` ` +
    `on every one (far above their use: the sampler runs, nothing is restarted). Once all are RUNNING and ${SETTLE_MS / 1000} s ` +
    `later, nothing talks to the daemon for ${WINDOW_S} s; the daemon's CPU over that window (utime+stime from ` +
    '/proc/PID/stat, 10 ms ticks) is scaled to 30 s. The sampler makes one pass a second over /proc for every program ' +
    `together; "one pass" is the CPU of that pass (process-table.ts from dist/, the same pids) averaged over ${PASSES} ` +
    'passes run in the bench process, which the 10 ms ticks of the daemon figures are too coarse to show alone. Ours only: 4.2.5 ' +
    "has no memory limit (superlance's memmon runs `ps` for every program at each TICK, in another process).",
  notes:
    'A pass lists /proc and reads /proc/PID/stat of each process that may belong to a program: the programs, their ' +
    'descendants, and pids not seen before; the machine\'s other processes are remembered as not ours and read again only ' +
    'every 30th pass (a reused pid). Its cost grows with the programs\' processes (and the pids the machine makes meanwhile, ' +
    'each read once), not with the machine\'s other processes. Without any memory_limit (and no web page open) no pass runs ' +
    'at all. A pass costs the daemon about three times what it costs alone in a loop: it runs once a second, between ' +
    'other work, cold in the caches; a --cpu-prof of the daemon with 100 limited programs on a loaded machine put it at ' +
    '3.7 ms, two thirds of it in the open/read/close of /proc/PID/stat.',
  defaultReps: 1,
  metrics: [
    { key: 'cpuNone', label: `daemon CPU per 30 s, ${PROGRAMS} programs without memory_limit`, unit: 'ms', better: 'lower' },
    { key: 'cpuLimited', label: `daemon CPU per 30 s, ${PROGRAMS} programs with memory_limit`, unit: 'ms', better: 'lower' },
    { key: 'daemonPassMs', label: 'in the daemon: CPU per pass (with − without, over the window)', unit: 'ms', better: 'lower' },
    { key: 'passMs', label: `alone: CPU of one pass over ${PROGRAMS} programs, in the bench process`, unit: 'ms', better: 'lower' },
    { key: 'sharePct', label: 'in the daemon: share of one CPU (one pass a second)', unit: '%', better: 'lower' },
  ],
  async once(daemon) {
    const out = {};
    for (const variant of VARIANTS) {
      const dir = makeTempDir();
      const d = await startDaemon(daemon, dir, config(dir, variant));
      try {
        await waitAllRunning(d.rpc, PROGRAMS);
        // the response's XML text: the pids are read from it
        const infos = await d.rpc.call('supervisor.getAllProcessInfo');
        await sleep(SETTLE_MS);
        const c0 = cpuMs(d.pid);
        const t0 = performance.now();
        await sleep(WINDOW_S * 1000);
        const cpu = ((cpuMs(d.pid) - c0) * 30_000) / (performance.now() - t0);
        if (variant.key === 'none') out.cpuNone = cpu;
        else {
          out.cpuLimited = cpu;
          const pids = [...infos.matchAll(/<name>pid<\/name>\s*<value><int>(\d+)<\/int>/g)].map((m) => Number(m[1])).filter((p) => p > 0);
          out.passMs = await passCostMs(pids);
          // one pass a second over the window: the difference per second is the cost of a pass
          out.daemonPassMs = Math.max(0, out.cpuLimited - out.cpuNone) / 30;
          out.sharePct = out.daemonPassMs / 10;
        }
      } finally {
        await d.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return out;
  },
};
