#!/usr/bin/env node
// Soak: our supervisord under mixed load for SOAK_SECONDS (default 600): programs writing numbered
// lines at different rates (one in bursts), a program flapping once a second, a PROCESS_LOG +
// PROCESS_STATE listener pool (2 processes, spooling), a counting in-process plugin, RPC calls
// every second, and reloads (SIGHUP) at 30 %, 55 % and 80 % of the time. At the end it prints the
// end-to-end counts (lines written by the children, found in the log files, received by the
// listener and by the plugin; flapper starts recorded by the child vs STARTING events at both), and
// the daemon's RSS and open descriptors sampled at the start, every 30 s and at the end. Exits 1
// on any loss, on a failed RPC call, or on growth beyond the tolerances printed with the figures.
// Usage: npm run soak   |   SOAK_SECONDS=60 node bench/soak.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, procStatus, REPO_ROOT, RpcClient, sleep } from './lib.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const SAMPLE_EVERY_MS = 30_000;
const RELOADS_AT = [0.3, 0.55, 0.8];
// Growth tolerances. RSS: the last sample against the highest of the first third of the run (V8
// sizes its heaps to the load during the first minute or two; a leak keeps growing after that).
// fds: the last sample against the first (the same programs run; a reload or a flapper's spawn
// holds a few for a moment).
const RSS_TOLERANCE_KB = 8 * 1024;
const RSS_TOLERANCE_RATIO = 0.1;
const FD_TOLERANCE = 6;
const RPC_SLOW_MS = 2_000;

const WRITERS = [
  { name: 'w_fast', rate: '200' },
  { name: 'w_mid', rate: '20' },
  { name: 'w_slow', rate: '2' },
  { name: 'w_burst', rate: 'burst:3000' },
];
const SOAK = path.join(REPO_ROOT, 'bench', 'soak');

const dir = makeTempDir('sv-soak-');
const socket = path.join(dir, 'sock');
const at = (name) => path.join(dir, name);

function writeConfig() {
  const writers = WRITERS.map(
    ({ name, rate }) =>
      `[program:${name}]\ncommand=${process.execPath} ${SOAK}/writer.mjs ${name} ${rate} ${at(`${name}.ledger`)}\n` +
      `stdout_logfile=${at(`${name}.log`)}\nstdout_logfile_maxbytes=1MB\nstdout_logfile_backups=1000\nstdout_events_enabled=true\n` +
      `stderr_logfile=${at(`${name}.err`)}\nstartsecs=0\nstopwaitsecs=30\n`,
  );
  fs.writeFileSync(
    at('supervisord.conf'),
    [
      `[supervisord]\nlogfile=${at('supervisord.log')}\npidfile=${at('supervisord.pid')}\nchildlogdir=${dir}\nminfds=4096\n`,
      `[unix_http_server]\nfile=${socket}\n`,
      '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n',
      ...writers,
      `[program:flapper]\ncommand=/bin/sh -c 'echo x >>${at('flapper.starts')}; exit 0'\nstartsecs=0\nautorestart=true\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
      `[eventlistener:listener]\ncommand=${process.execPath} ${SOAK}/listener.mjs ${at('listener.records')}\nprocess_name=%(program_name)s_%(process_num)s\nnumprocs=2\n` +
        `events=PROCESS_LOG,PROCESS_STATE\nbuffer_size=100\nbuffer_overflow=spool\nstderr_logfile=${at('listener.err')}\n`,
      `[plugin:count]\nmodule=${SOAK}/plugin.mjs\nevents=PROCESS_LOG,PROCESS_STATE\nqueue_size=1000000\nfile=${at('plugin.records')}\n`,
    ].join('\n'),
  );
}

function readLines(file) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  } catch {
    return [];
  }
}

const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;
const mib = (kb) => (kb / 1024).toFixed(1);

async function main() {
  writeConfig();
  const started = Date.now();
  const daemon = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'supervisord.js'), '-n', '-c', at('supervisord.conf')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => daemon.on('exit', (code, signal) => resolve({ code, signal })));
  const pid = daemon.pid;
  const rpc = new RpcClient(socket);
  const failures = [];

  for (let i = 0; ; i++) {
    if (daemon.exitCode !== null) throw new Error(`supervisord exited at start:\n${stderr}`);
    try {
      await rpc.call('supervisor.getState');
      break;
    } catch {
      if (i > 300) throw new Error(`supervisord does not answer on ${socket}:\n${stderr}`);
      await sleep(100);
    }
  }
  console.log(`soak: ${SECONDS} s against supervisord pid ${pid} in ${dir}`);

  const samples = [];
  const sample = (label) => {
    const entry = { label, t: Math.round((Date.now() - started) / 1000), rssKb: procStatus(pid).rssKb, fds: fdCount(pid) };
    samples.push(entry);
    console.log(`  sample ${label.padEnd(6)} t=${String(entry.t).padStart(4)} s  RSS ${mib(entry.rssKb).padStart(6)} MiB  fds ${entry.fds}`);
  };
  // warm-up: every program started and its files open before the first sample
  await sleep(Math.min(10_000, SECONDS * 100));
  sample('start');

  const rpcLatencies = [];
  const deadline = started + SECONDS * 1000;
  const reloads = RELOADS_AT.map((f) => started + f * SECONDS * 1000);
  let nextSample = Date.now() + SAMPLE_EVERY_MS;
  let reloadsDone = 0;
  while (Date.now() < deadline) {
    if (reloadsDone < reloads.length && Date.now() >= reloads[reloadsDone]) {
      process.kill(pid, 'SIGHUP');
      reloadsDone += 1;
      console.log(`  reload ${reloadsDone} (SIGHUP) at t=${Math.round((Date.now() - started) / 1000)} s`);
      await sleep(3_000);
      continue;
    }
    if (Date.now() >= nextSample) {
      sample('30s');
      nextSample += SAMPLE_EVERY_MS;
    }
    for (const [method, params] of [['supervisor.getState', []], ['supervisor.getAllProcessInfo', []], ['supervisor.tailProcessStdoutLog', ['w_fast', 0, 1024]]]) {
      const t0 = performance.now();
      try {
        await rpc.call(method, params);
        rpcLatencies.push(performance.now() - t0);
      } catch (err) {
        // during a reload the socket is closed for a moment: retried on the next round
        if (!/ECONNREFUSED|ENOENT|ECONNRESET|socket hang up|SHUTDOWN_STATE/.test(String(err))) failures.push(`RPC ${method}: ${err.message}`);
      }
    }
    await sleep(1_000);
  }

  // let the last reload settle: every program RUNNING again
  for (let i = 0; i < 100; i++) {
    try {
      const xml = await rpc.call('supervisor.getAllProcessInfo');
      const states = [...xml.matchAll(/<name>statename<\/name>\s*<value><string>([A-Z]+)/g)].map((m) => m[1]);
      if (states.length > 0 && states.every((s) => s === 'RUNNING' || s === 'STARTING' || s === 'EXITED')) break;
    } catch {
      /* reloading */
    }
    await sleep(200);
  }
  sample('end');

  // stop the writers first (their ledgers get the last counts), wait for the listener and the
  // plugin to receive every line, then stop the daemon
  for (const { name } of WRITERS) await rpc.call('supervisor.stopProcess', [name]);
  const written = () => WRITERS.reduce((sum, { name }) => sum + readLines(at(`${name}.ledger`)).reduce((s, l) => s + Number(l.split(' ')[1]), 0), 0);
  // a program's log and its rotated copies, oldest first: rotation cuts at a chunk boundary (as
  // 4.2.5 does), so a line can start in one file and end in the next
  const logged = () => {
    let total = 0;
    for (const { name } of WRITERS) {
      const copies = fs.readdirSync(dir).filter((f) => f.startsWith(`${name}.log.`)).map((f) => Number(f.slice(`${name}.log.`.length))).sort((a, b) => b - a);
      const text = [...copies.map((n) => at(`${name}.log.${n}`)), at(`${name}.log`)].map((f) => fs.readFileSync(f, 'utf8')).join('');
      total += text.split('\n').filter((l) => new RegExp(`^${name} \\d+ \\d+ x*$`).test(l)).length;
    }
    return total;
  };
  const linesAt = (file) => readLines(at(file)).filter((l) => l.startsWith('L w_')).reduce((sum, l) => sum + Number(l.split(' ')[2]), 0);
  const want = written();
  for (let i = 0; i < 150 && (linesAt('listener.records') < want || linesAt('plugin.records') < want || logged() < want); i++) await sleep(200);
  await rpc.call('supervisor.getState').catch((err) => failures.push(`RPC after the soak: ${err.message}`));
  rpc.close();
  daemon.kill('SIGTERM');
  const { code } = await exited;

  const startsRecorded = readLines(at('flapper.starts')).length;
  const startingAt = (file) => readLines(at(file)).filter((l) => l === 'S PROCESS_STATE_STARTING flapper').length;
  const counts = {
    'log lines written by the children': want,
    'log lines in the log files': logged(),
    'log lines at the listener pool': linesAt('listener.records'),
    'log lines at the plugin': linesAt('plugin.records'),
    'flapper starts recorded by the child': startsRecorded,
    'flapper STARTING events at the listener pool': startingAt('listener.records'),
    'flapper STARTING events at the plugin': startingAt('plugin.records'),
  };
  console.log('\nend-to-end counts');
  for (const [what, n] of Object.entries(counts)) console.log(`  ${what.padEnd(46)} ${n}`);
  for (const what of ['log lines in the log files', 'log lines at the listener pool', 'log lines at the plugin']) {
    if (counts[what] !== want) failures.push(`${what}: ${counts[what]}, written ${want} (${counts[what] - want})`);
  }
  for (const what of ['flapper STARTING events at the listener pool', 'flapper STARTING events at the plugin']) {
    if (counts[what] !== startsRecorded) failures.push(`${what}: ${counts[what]}, the child recorded ${startsRecorded} starts`);
  }

  const sorted = [...rpcLatencies].sort((a, b) => a - b);
  const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1) : 'n/a');
  console.log(`\nRPC: ${sorted.length} calls, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
  if (sorted.length && sorted[sorted.length - 1] > RPC_SLOW_MS) failures.push(`an RPC call took ${sorted[sorted.length - 1].toFixed(0)} ms (> ${RPC_SLOW_MS})`);

  const first = samples[0];
  const last = samples[samples.length - 1];
  const warmedUp = Math.max(...samples.filter((x) => x.t <= SECONDS / 3).map((x) => x.rssKb));
  const rssLimit = warmedUp + Math.max(RSS_TOLERANCE_KB, warmedUp * RSS_TOLERANCE_RATIO);
  console.log(
    `resources: RSS ${mib(first.rssKb)} at the start, ${mib(warmedUp)} at most in the first third, ${mib(last.rssKb)} MiB at the end (tolerance: up to ${mib(rssLimit)}); fds ${first.fds} -> ${last.fds} (tolerance: +${FD_TOLERANCE})`,
  );
  if (last.rssKb > rssLimit) failures.push(`RSS grew from ${mib(warmedUp)} to ${mib(last.rssKb)} MiB after the first third`);
  if (last.fds > first.fds + FD_TOLERANCE) failures.push(`open fds grew from ${first.fds} to ${last.fds}`);
  if (code !== 0) failures.push(`supervisord exited with ${code}`);
  const reloadsSeen = (fs.readFileSync(at('supervisord.log'), 'utf8').match(/received SIGHUP indicating restart request/g) ?? []).length;
  console.log(`reloads: ${reloadsSeen} of ${RELOADS_AT.length}`);
  if (reloadsSeen !== RELOADS_AT.length) failures.push(`${reloadsSeen} reloads seen in the main log`);

  if (failures.length) {
    console.log(`\nFAILED (files kept in ${dir}):\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('\nOK: no loss, no growth beyond the tolerances');
}

main().catch((err) => {
  console.error(err);
  console.error(`files kept in ${dir}`);
  process.exit(1);
});
