// Scenario 5: many programs. Time until all are RUNNING, the daemon's RSS, getAllProcessInfo and
// `supervisorctl status` latency, `supervisorctl stop all`; shutdown with 50 programs running.
// PM2 at the largest size (start, RSS, list, stop all).
import fs from 'node:fs';
import {
  REAL_SUPERVISORCTL,
  cpuMs,
  makeTempDir,
  procStatus,
  quantile,
  scaled,
  sleep,
  startDaemon,
  timeCommand,
  waitAllRunning,
  writeConfig,
  wallMs,
} from '../lib.mjs';
import { startPm2, waitPm2Online } from '../pm2.mjs';

const SIZES = (process.env.BENCH_SCALE_SIZES ?? '100,500,1000').split(',').map((n) => scaled(Number(n)));
const PM2_SIZES = (process.env.BENCH_PM2_SCALE_SIZES ?? '1000').split(',').filter(Boolean).map((n) => scaled(Number(n)));
const SHUTDOWN_PROGRAMS = 50;
const CALLS = 20;
const CTL_CALLS = 5;

const metrics = [];
for (const n of SIZES) {
  const big = n === SIZES[SIZES.length - 1] && n >= 1000;
  metrics.push(
    { key: `start${n}`, label: `${n} programs: start → all RUNNING`, unit: 's', better: 'lower', target: big ? { max: 2 } : undefined },
    // issue 9 asked ≤ 60 MiB (out of reach on Node, see the notes); issue 20 asks ≤ 80 MiB
    { key: `rss${n}`, label: `${n} programs: daemon RSS`, unit: 'MiB', better: 'lower', target: big ? { max: 80, issue: 20 } : undefined },
    { key: `rssAnon${n}`, label: `${n} programs: daemon anonymous RSS (RssAnon)`, unit: 'MiB', better: 'lower', target: big ? { maxRatio: 1.25, issue: 20 } : undefined },
    { key: `rssFile${n}`, label: `${n} programs: daemon file-backed RSS (RssFile)`, unit: 'MiB', better: 'lower' },
    { key: `gapi${n}`, label: `${n} programs: getAllProcessInfo p50`, unit: 'ms', better: 'lower', target: big ? { max: 20 } : undefined },
    { key: `status${n}`, label: `${n} programs: \`supervisorctl status\` (its own ctl)`, unit: 's', better: 'lower', target: big ? { max: 0.3 } : undefined },
    { key: `statusPy${n}`, label: `${n} programs: \`supervisorctl status\` (4.2.5's ctl for both)`, unit: 's', better: 'lower' },
    { key: `stopAll${n}`, label: `${n} programs: \`supervisorctl stop all\``, unit: 's', better: 'lower', target: big ? { max: 0.5 } : undefined },
    { key: `cpuStart${n}`, label: `${n} programs: daemon CPU, boot to all RUNNING`, unit: 's', better: 'lower' },
    { key: `ctlMissing${n}`, label: `${n} programs: lines missing from its own ctl's status / stop all output (worst run)`, unit: '', better: 'lower' },
  );
}
metrics.push({ key: 'shutdown', label: `shutdown with ${SHUTDOWN_PROGRAMS} programs running`, unit: 's', better: 'lower', target: { max: 0.5 } });

const programs = (n) =>
  Array.from({ length: n }, (_, i) => `[program:p${i}]\ncommand=sleep infinity\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`).join('\n');

/**
 * One supervisorctl command: seconds, and how many of the n programs' lines it printed (one line
 * per program for status and for stop). Throws on an exit code other than 0 (status: all RUNNING).
 */
async function timeCtl(argv, n) {
  const { ms, code, output } = await timeCommand(argv, { anyExit: true });
  if (code !== 0) throw new Error(`${argv.join(' ')}: exit ${code}:\n${output.slice(0, 500)}`);
  return { s: ms / 1000, missing: n - output.trim().split('\n').length };
}

async function ctlMedian(argv, n, calls) {
  const runs = [];
  for (let i = 0; i < calls; i++) runs.push(await timeCtl(argv, n));
  return { s: quantile(runs.map((r) => r.s), 0.5), missing: Math.max(...runs.map((r) => r.missing)) };
}

async function supervisordAt(daemon, n, out) {
  const dir = makeTempDir();
  const conf = writeConfig(dir, programs(n), 'minfds=16384\nminprocs=4096');
  const d = await startDaemon(daemon, dir, conf, 120_000);
  try {
    await waitAllRunning(d.rpc, n);
    out[`start${n}`] = (wallMs() - d.startedAt) / 1000;
    out[`cpuStart${n}`] = cpuMs(d.pid) / 1000;
    await sleep(1000);
    const mem = procStatus(d.pid);
    out[`rss${n}`] = mem.rssKb / 1024;
    out[`rssAnon${n}`] = mem.rssAnonKb / 1024;
    out[`rssFile${n}`] = mem.rssFileKb / 1024;
    const lat = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await d.rpc.call('supervisor.getAllProcessInfo');
      lat.push(performance.now() - t);
    }
    out[`gapi${n}`] = quantile(lat, 0.5);
    const status = await ctlMedian([...daemon.ctl, '-c', conf, 'status'], n, CTL_CALLS);
    out[`status${n}`] = status.s;
    out[`statusPy${n}`] = (await ctlMedian([...REAL_SUPERVISORCTL, '-c', conf, 'status'], n, CTL_CALLS)).s;
    // prints "p0: stopped" per program
    const stop = await timeCtl([...daemon.ctl, '-c', conf, 'stop', 'all'], n);
    out[`stopAll${n}`] = stop.s;
    out[`ctlMissing${n}`] = Math.max(status.missing, stop.missing);
  } finally {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** From supervisor.shutdown over the socket until the daemon process has exited. */
async function shutdownTime(daemon) {
  const dir = makeTempDir();
  const conf = writeConfig(dir, programs(SHUTDOWN_PROGRAMS));
  const d = await startDaemon(daemon, dir, conf);
  try {
    await waitAllRunning(d.rpc, SHUTDOWN_PROGRAMS);
    await sleep(500);
    const t0 = performance.now();
    await d.rpc.call('supervisor.shutdown');
    await d.exited;
    return (performance.now() - t0) / 1000;
  } finally {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function pm2At(n, out) {
  const t0 = wallMs();
  const p = await startPm2();
  try {
    const apps = Array.from({ length: n }, (_, i) => ({
      name: `p${i}`,
      script: 'sleep',
      args: ['infinity'],
      interpreter: 'none',
      out_file: '/dev/null',
      error_file: '/dev/null',
    }));
    await p.call('start', { apps });
    await waitPm2Online(p, n);
    out[`start${n}`] = (wallMs() - t0) / 1000;
    out[`cpuStart${n}`] = cpuMs(p.pid) / 1000;
    await sleep(1000);
    const mem = procStatus(p.pid);
    out[`rss${n}`] = mem.rssKb / 1024;
    out[`rssAnon${n}`] = mem.rssAnonKb / 1024;
    out[`rssFile${n}`] = mem.rssFileKb / 1024;
    const lat = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await p.call('list');
      lat.push(performance.now() - t);
    }
    out[`gapi${n}`] = quantile(lat, 0.5);
    const t = performance.now();
    await p.call('stop', 'all');
    out[`stopAll${n}`] = (performance.now() - t) / 1000;
  } finally {
    await p.stop();
  }
}

export default {
  name: 'scale',
  number: 5,
  title: `Scale: ${SIZES.join(', ')} programs`,
  daemons: ['ours', 'theirs', 'pm2'],
  method: () =>
    `N programs \`sleep infinity\` with \`startsecs=0\` (so the figure is the daemon's own spawning, not the ` +
    `1 s default), output to NONE, \`minfds=16384\`. Start → all RUNNING: from spawning the daemon until ` +
    `getAllProcessInfo (polled every 100 ms) shows N RUNNING; the daemon's CPU up to then. RSS of the daemon process 1 s later (VmRSS). ` +
    `getAllProcessInfo: median of ${CALLS} sequential calls on one connection. \`supervisorctl status\`: median wall ` +
    `time of ${CTL_CALLS} runs of the daemon's own supervisorctl (ours: \`bin/supervisorctl.js\`; 4.2.5: ` +
    `\`/usr/bin/supervisorctl\`), process start-up included, and of 4.2.5's supervisorctl against both; its stdout is read by the bench as it comes, and a run that printed fewer than N lines is counted. \`stop all\`: ` +
    `wall time of the daemon's own \`supervisorctl stop all\`. Shutdown: a separate daemon with ${SHUTDOWN_PROGRAMS} ` +
    `programs RUNNING, from the \`supervisor.shutdown\` call until the daemon process has exited. PM2 (at ` +
    `${PM2_SIZES.join(', ')} apps): the same command as apps (\`interpreter: none\`, logs to /dev/null) started ` +
    `with one \`pm2.start({ apps })\`, from launching its God daemon until \`pm2.list()\` shows all online; ` +
    `the getAllProcessInfo row is \`pm2.list()\`, stop all is \`pm2.stop('all')\`.`,
  notes:
    'Start (ADR 0009): programs are started with posix_spawn (clone with CLONE_VFORK, through koffi), not ' +
    'libuv\'s fork+exec, which copied the daemon\'s page tables and blocked the loop 1.5-2.5 ms per program ' +
    '(2.7 of 3.3 s of a 1000-program boot in a profile). RSS at 1000 programs (/proc/PID/smaps_rollup and ' +
    'v8.getHeapSpaceStatistics): about 41 MiB are the node binary\'s file-backed pages, 32 MiB V8\'s young ' +
    'generation (two 16 MiB semi-spaces, grown during the boot), 20 MiB the old space that holds the 1000 ' +
    'programs\' state, and ~6 MiB malloc. Binary and old space alone are 60 MiB, so issue 9\'s ≤ 60 MiB target ' +
    'was out of reach on Node. Since issue 20 the daemon re-execs itself once (same PID) under ' +
    '`--max-semi-space-size=4 --v8-pool-size=1` (ADR 0020): the young generation stays at 8 MiB and V8 keeps one ' +
    'helper thread, about 25 MiB less anonymous memory at 1000 programs. What remains above 4.2.5 is the old space ' +
    'of the programs\' state (about 20 KiB per program) and the binary\'s 44 MiB of file-backed pages, which are ' +
    'shared with every node process of the host. `stop all` at 1000: in a profile of that window the daemon is idle four ' +
    'fifths of the time (the 1000 kill(2) calls take 0.12 s, reaping and logging a few ms); the rest is the ' +
    'kernel ending 1000 processes and the ctl\'s own start, as 4.2.5\'s figure next to it shows. Issue 20\'s targets at 1000 ' +
    'programs (anonymous RSS within 1.25× of 4.2.5\'s, RSS within 80 MiB) are missed; the profile (ADR 0020, parts C and D): ' +
    'about 14 KiB of heap per program (three pipes, each a net.Socket with its stream states; ~26 closures; the parsed config), and ' +
    'V8 pages left half empty by the boot (35 MiB of pages holding 23 MiB of live objects), which only a compacting collection ' +
    'gives back, at the price of a 20 MiB transient while it moves every page; with the binary\'s 44 MiB of file-backed pages, ' +
    '80 MiB in all would need the anonymous part at 36 MiB.',
  defaultReps: 1,
  metrics,
  async once(daemon) {
    const out = {};
    if (daemon.id === 'pm2') {
      for (const n of PM2_SIZES) await pm2At(n, out);
      return out;
    }
    for (const n of SIZES) await supervisordAt(daemon, n, out);
    out.shutdown = await shutdownTime(daemon);
    return out;
  },
};
