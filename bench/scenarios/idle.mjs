// Scenario 6: 50 idle programs; what the daemon itself costs when nothing happens.
import fs from 'node:fs';
import { cpuMs, makeTempDir, procStatus, scaled, sleep, startDaemon, waitAllRunning, writeConfig } from '../lib.mjs';

const PROGRAMS = 50;
const WINDOW_S = Number(process.env.BENCH_IDLE_SECONDS ?? scaled(30, 6));
const SLICES = 3;
const SETTLE_MS = 2000;
// V8's memory reducer runs a few garbage collections in the first ~40 s after start-up (on its
// worker threads): the steady window starts after it, the start-up window shows it.
const STEADY_AFTER_MS = Number(process.env.BENCH_IDLE_STEADY_AFTER ?? scaled(60, 10)) * 1000;

export default {
  name: 'idle',
  number: 6,
  title: `Idle: ${PROGRAMS} idle programs`,
  method:
    `${PROGRAMS} programs \`sleep infinity\` (default startsecs=1, output to NONE). Once all are RUNNING ` +
    `(polled over RPC) and after ${SETTLE_MS / 1000} s more, nothing talks to the daemon for ${WINDOW_S} s, cut into ` +
    `${SLICES} slices of ${WINDOW_S / SLICES} s; per slice, the daemon's CPU (utime+stime from /proc/PID/stat, 10 ms ` +
    `ticks) scaled to 30 s, and its wakeups per second (voluntary_ctxt_switches summed over /proc/PID/task/*/status). ` +
    `This is measured twice: right after start-up (the start-up window), and again from ${STEADY_AFTER_MS / 1000} s after all ` +
    `were RUNNING (the steady window, which the targets apply to: an idle daemon is one that has finished starting). ` +
    `The whole-window figures are the honest totals; the per-slice ones show whether the cost is steady or bursty.`,
  notes:
    'CPU comes in 10 ms clock ticks, so a slice reads 0, 10, 20… ms; a figure of 0 means fewer than one tick in the slice. ' +
    'CPU of /proc/PID/stat covers all the threads of the daemon; wakeups are summed over all its threads ' +
    '(/proc/PID/task/*/status), which matters for Node (libuv and V8 threads), not for 4.2.5 (one thread). ' +
    'Per thread, ours is steady at well under 1 wakeup/s (the TICK_5 timer) and below one 10 ms tick per 30 s; ' +
    'a one-off burst from V8\'s worker threads (garbage collection) shortly after start-up sometimes falls ' +
    'into the window and makes most of its figure.',
  defaultReps: 1,
  metrics: [
    { key: 'cpuWindow', label: `steady: daemon CPU over ${WINDOW_S} s, per 30 s`, unit: 'ms', better: 'lower', target: { ratio: 1 } },
    { key: 'wakeupsWindow', label: `steady: wakeups/s over ${WINDOW_S} s`, unit: '/s', better: 'lower', target: { max: 1 } },
    { key: 'cpuPer30s', label: `steady: daemon CPU per 30 s, per ${WINDOW_S / SLICES} s slice`, unit: 'ms', better: 'lower' },
    { key: 'wakeups', label: `steady: wakeups/s, per ${WINDOW_S / SLICES} s slice`, unit: '/s', better: 'lower' },
    { key: 'cpuStartup', label: `start-up window: daemon CPU over ${WINDOW_S} s, per 30 s`, unit: 'ms', better: 'lower' },
    { key: 'wakeupsStartup', label: `start-up window: wakeups/s over ${WINDOW_S} s`, unit: '/s', better: 'lower' },
    { key: 'rssMiB', label: 'daemon RSS at the end', unit: 'MiB', better: 'lower' },
    { key: 'rssAnonMiB', label: 'daemon anonymous RSS (RssAnon) at the end', unit: 'MiB', better: 'lower', target: { maxRatio: 1.25, issue: 20 } },
    { key: 'rssFileMiB', label: 'daemon file-backed RSS (RssFile) at the end', unit: 'MiB', better: 'lower' },
  ],
  async once(daemon) {
    const dir = makeTempDir();
    let body = '';
    for (let i = 0; i < PROGRAMS; i++) {
      body += `[program:idle${i}]\ncommand=sleep infinity\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n`;
    }
    const conf = writeConfig(dir, body, 'minfds=4096');
    const d = await startDaemon(daemon, dir, conf);
    try {
      await waitAllRunning(d.rpc, PROGRAMS);
      const allRunning = performance.now();
      d.rpc.close(); // no open connection during the windows
      await sleep(SETTLE_MS);
      const startup = await measureWindow(d.pid);
      await sleep(Math.max(0, STEADY_AFTER_MS - (performance.now() - allRunning)));
      const steady = await measureWindow(d.pid);
      return {
        cpuWindow: steady.cpuWindow,
        wakeupsWindow: steady.wakeupsWindow,
        cpuPer30s: steady.cpu,
        wakeups: steady.wakeups,
        cpuStartup: startup.cpuWindow,
        wakeupsStartup: startup.wakeupsWindow,
        rssMiB: procStatus(d.pid).rssKb / 1024,
        rssAnonMiB: procStatus(d.pid).rssAnonKb / 1024,
        rssFileMiB: procStatus(d.pid).rssFileKb / 1024,
      };
    } finally {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** CPU and wakeups of the daemon over WINDOW_S, as a whole and per slice. */
async function measureWindow(pid) {
  const cpu = [];
  const wakeups = [];
  const sliceMs = (WINDOW_S * 1000) / SLICES;
  const cAll = cpuMs(pid);
  const sAll = procStatus(pid).voluntaryAllThreads;
  const tAll = performance.now();
  for (let i = 0; i < SLICES; i++) {
    const c0 = cpuMs(pid);
    const s0 = procStatus(pid);
    const t0 = performance.now();
    await sleep(sliceMs);
    const dt = performance.now() - t0;
    cpu.push(((cpuMs(pid) - c0) * 30_000) / dt);
    wakeups.push(((procStatus(pid).voluntaryAllThreads - s0.voluntaryAllThreads) * 1000) / dt);
  }
  const dtAll = performance.now() - tAll;
  return {
    cpuWindow: ((cpuMs(pid) - cAll) * 30_000) / dtAll,
    wakeupsWindow: ((procStatus(pid).voluntaryAllThreads - sAll) * 1000) / dtAll,
    cpu,
    wakeups,
  };
}
