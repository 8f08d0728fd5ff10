// Shared helpers for the benchmarks: temp dirs, one generated config run by ours and by 4.2.5,
// a minimal XML-RPC client over the daemon's unix socket, /proc sampling and statistics.
// Plain Node ESM, no build step and no dependencies.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_DIR = path.join(REPO_ROOT, 'bench');

export const DEPS_DIR = path.join(BENCH_DIR, '.deps');
const OURS_ROOT = path.resolve(process.env.BENCH_OURS_ROOT ?? REPO_ROOT);

/**
 * The daemons compared; each scenario runs ours and 4.2.5 on the same generated config, one after
 * the other, and PM2 (installed from npm on first use, bench/pm2.mjs) where the issue names it.
 * `ctl` is the daemon's own supervisorctl.
 */
export const DAEMONS = [
  {
    id: 'ours',
    label: 'supervisor-ts',
    // BENCH_OURS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles our daemon in every scenario
    // BENCH_OURS_ROOT=DIR runs the bin/ of another checkout (an A/B of a change to src/)
    argv: [process.execPath, ...(process.env.BENCH_OURS_NODE_ARGS ?? '').split(' ').filter(Boolean), path.join(OURS_ROOT, 'bin', 'supervisord.js')],
    // run as a program, as a user, a script or a kubelet's exec probe runs it (and 4.2.5's below):
    // its first lines are a shell launcher that execs the node on PATH (ADR 0014)
    ctl: [path.join(OURS_ROOT, 'bin', 'supervisorctl.js')],
  },
  {
    id: 'theirs',
    label: 'Supervisor 4.2.5',
    argv: [process.env.BENCH_REAL_SUPERVISORD ?? '/usr/bin/supervisord'],
    ctl: [process.env.BENCH_REAL_SUPERVISORCTL ?? '/usr/bin/supervisorctl'],
  },
  { id: 'pm2', label: 'PM2' },
];
export const REAL_SUPERVISORCTL = DAEMONS[1].ctl;

/**
 * BENCH_SCALE multiplies every size (bytes, lines, programs, seconds) so that a quick run takes
 * minutes: 1 (the default) is the sizes.
 */
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, not ${process.env.BENCH_SCALE}`);
export const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock time in milliseconds with sub-millisecond precision (comparable across processes). */
export const wallMs = () => performance.timeOrigin + performance.now();

export function makeTempDir(prefix = 'sv-bench-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A config that both daemons read the same way: everything inside `dir`, the socket at dir/sock. */
export function writeConfig(dir, body, supervisordExtra = '') {
  const file = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    file,
    [
      '[unix_http_server]',
      `file=${dir}/sock`,
      '',
      '[supervisord]',
      `logfile=${dir}/supervisord.log`,
      `pidfile=${dir}/supervisord.pid`,
      `childlogdir=${dir}`,
      supervisordExtra,
      '',
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '',
      // supervisorctl (either) refuses a config without this section
      '[supervisorctl]',
      `serverurl=unix://${dir}/sock`,
      '',
      body,
      '',
    ].join('\n'),
  );
  return file;
}

/** Starts `daemon` in the foreground on `configFile`, waits until its socket answers getState. */
export async function startDaemon(daemon, dir, configFile, timeoutMs = 60_000) {
  const t0 = wallMs();
  const [file, ...args] = daemon.argv;
  const child = spawn(file, [...args, '-n', '-c', configFile], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const rpc = new RpcClient(path.join(dir, 'sock'));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${daemon.label} exited during start-up:\n${out}`);
    }
    if (fs.existsSync(path.join(dir, 'sock'))) {
      try {
        await rpc.call('supervisor.getState');
        break;
      } catch {
        /* not ready yet */
      }
    }
    if (Date.now() > deadline) throw new Error(`${daemon.label} did not answer on its socket:\n${out}`);
    await sleep(10);
  }
  const stopSampling = sampleMemory(child.pid);
  const stop = async () => {
    stopSampling();
    rpc.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return { daemon, pid: child.pid, child, dir, rpc, startedAt: t0, output: () => out, exited, stop };
}

/**
 * A minimal XML-RPC client over the unix socket with one kept-alive connection (as supervisorctl
 * keeps its connection); one call in flight at a time per client.
 */
export class RpcClient {
  constructor(socketPath) {
    this.socketPath = socketPath;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }
  call(method, params = []) {
    const body =
      `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>` +
      params.map((p) => `<param><value>${encodeValue(p)}</value></param>`).join('') +
      '</params></methodCall>';
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method: 'POST',
          path: '/RPC2',
          headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), Host: 'localhost' },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            else if (text.includes('<fault>')) reject(new Error(`fault: ${text.slice(0, 400)}`));
            else resolve(text);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
  close() {
    this.agent.destroy();
  }
}

function encodeValue(v) {
  if (typeof v === 'boolean') return `<boolean>${v ? 1 : 0}</boolean>`;
  if (typeof v === 'number') return `<int>${v}</int>`;
  return `<string>${String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</string>`;
}

/** From a getAllProcessInfo response: the statename of each process. */
export function stateNames(xml) {
  return [...xml.matchAll(/<name>statename<\/name>\s*<value>(?:<string>)?([A-Z]+)/g)].map((m) => m[1]);
}

/** utime+stime of `pid` in milliseconds (/proc/PID/stat fields 14 and 15). */
export function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLK_TCK;
}
const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64/arm64

/** Fields of /proc/PID/status: voluntary/nonvoluntary context switches and VmRSS (kB). */
export function procStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (key) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'))?.[1] ?? NaN);
  let allThreads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      allThreads += Number(t.match(/^voluntary_ctxt_switches:\s+(\d+)/m)?.[1] ?? 0);
    } catch {
      /* thread gone */
    }
  }
  return {
    voluntaryAllThreads: allThreads,
    voluntary: get('voluntary_ctxt_switches'),
    nonvoluntary: get('nonvoluntary_ctxt_switches'),
    rssKb: get('VmRSS'),
    /** peak RSS since the process started (or since resetPeakRss) */
    hwmKb: get('VmHWM'),
    /** private memory (heap, stacks, anonymous mappings): what the daemon itself costs each pod */
    rssAnonKb: get('RssAnon'),
    /** pages of mapped files (the node binary, Python's modules): shared with any other process running them */
    rssFileKb: get('RssFile'),
  };
}

/**
 * Memory of every daemon started with startDaemon, sampled from /proc/PID/status every
 * MEMORY_SAMPLE_MS and once more at stop: peaks of RSS, anonymous RSS and file-backed RSS.
 * bench/run.mjs opens a window around each repetition of a scenario and reports the largest
 * peak of the daemons started in it (any scenario, no code of its own), so every scenario has
 * the three columns for every daemon. Total RSS's peak is VmHWM (exact); the two parts are
 * sampled, so a spike shorter than the period can be missed.
 */
const MEMORY_SAMPLE_MS = 50;
let memoryWindow = null;

export function openMemoryWindow() {
  memoryWindow = { rssKb: NaN, rssAnonKb: NaN, rssFileKb: NaN };
}

/** The window's peaks in MiB (NaN where no daemon ran), and closes it. */
export function closeMemoryWindow() {
  const w = memoryWindow ?? { rssKb: NaN, rssAnonKb: NaN, rssFileKb: NaN };
  memoryWindow = null;
  return { rssPeakMiB: w.rssKb / 1024, rssAnonPeakMiB: w.rssAnonKb / 1024, rssFilePeakMiB: w.rssFileKb / 1024 };
}

/** Samples `pid` into the open window until the returned function is called (which samples once more). */
export function sampleMemory(pid) {
  const window = memoryWindow;
  if (!window) return () => {};
  const take = () => {
    try {
      const s = procStatus(pid);
      const max = (a, b) => (Number.isFinite(a) ? Math.max(a, b) : b);
      window.rssKb = max(window.rssKb, Math.max(s.rssKb, s.hwmKb));
      window.rssAnonKb = max(window.rssAnonKb, s.rssAnonKb);
      window.rssFileKb = max(window.rssFileKb, s.rssFileKb);
    } catch {
      /* exited */
    }
  };
  take();
  const timer = setInterval(take, MEMORY_SAMPLE_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    take();
  };
}

/** Restarts VmHWM from the current RSS (Linux >= 4.0: writing 5 to clear_refs), so a peak covers one phase only. */
export function resetPeakRss(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (values) => quantile(values, 0.5);

/** Median, min and max of the repetitions of one metric. */
export function summarize(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, runs: values };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: values };
}

export const reps = (fallback) => Number(process.env.BENCH_REPS ?? fallback);

/** Polls getAllProcessInfo every `everyMs` until `count` processes are RUNNING; returns the ms waited. */
export async function waitAllRunning(rpc, count, { everyMs = 100, timeoutMs = 300_000 } = {}) {
  const t0 = performance.now();
  for (;;) {
    const states = stateNames(await rpc.call('supervisor.getAllProcessInfo'));
    if (states.filter((s) => s === 'RUNNING').length >= count) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`not all RUNNING after ${timeoutMs} ms: ${states.join(',').slice(0, 300)}`);
    await sleep(everyMs);
  }
}

/**
 * bench/helpers/NAME.c compiled into bench/.deps/NAME (again when the source is newer), or null
 * without a C compiler.
 */
export function compiledHelper(name) {
  const source = path.join(BENCH_DIR, 'helpers', `${name}.c`);
  const binary = path.join(DEPS_DIR, name);
  if (fs.existsSync(binary) && fs.statSync(binary).mtimeMs >= fs.statSync(source).mtimeMs) return binary;
  fs.mkdirSync(DEPS_DIR, { recursive: true });
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean)) {
    try {
      execFileSync(cc, ['-O2', '-o', binary, source], { stdio: 'pipe' });
      return binary;
    } catch {
      /* try the next compiler */
    }
  }
  return null;
}

/**
 * The writer every output scenario uses (bench/helpers/writer.c), or its Python twin when there
 * is no C compiler. Returns the argv prefix.
 */
export function writerCommand() {
  const binary = compiledHelper('writer');
  if (binary) return [binary];
  console.warn('bench: no C compiler, using bench/helpers/writer.py (a slower writer)');
  return ['/usr/bin/python3', path.join(BENCH_DIR, 'helpers', 'writer.py')];
}

/**
 * The `[program:w]` section of the writer with `args`, started over RPC (autostart=false), its
 * stdout to DIR/w.log without rotation, stderr to NONE; `extra` lines are added to it.
 */
export function writerProgram(dir, args, extra = []) {
  return [
    '[program:w]',
    `command=${[...writerCommand(), ...args].join(' ')}`,
    'autostart=false',
    'autorestart=false',
    'startsecs=0',
    `stdout_logfile=${dir}/w.log`,
    'stdout_logfile_maxbytes=0',
    'stderr_logfile=NONE',
    ...extra,
  ];
}

/** Total size of the files that exist among `files`. */
export function totalSize(files) {
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += fs.statSync(f).size;
    } catch {
      /* not there (yet), or rotated away between readdir and stat */
    }
  }
  return bytes;
}

/**
 * Polls `measure()` (a growing count: bytes on disk, lines received) every `everyMs` until it
 * reaches `expected`, or until it has not grown for `stallMs` (what is missing is then lost).
 * Returns the final value and the wall-clock time (wallMs) at which it was last seen to grow.
 */
export async function waitForCount(measure, expected, { everyMs = 5, stallMs = 3000, timeoutMs = 600_000 } = {}) {
  const t0 = wallMs();
  let value = measure();
  let grewAt = t0;
  for (;;) {
    if (value >= expected) return { value, grewAt: wallMs(), complete: true };
    await sleep(everyMs);
    const now = measure();
    if (now !== value) {
      value = now;
      grewAt = wallMs();
    } else if (wallMs() - grewAt > stallMs || wallMs() - t0 > timeoutMs) {
      return { value, grewAt, complete: false };
    }
  }
}

/** Runs `argv` to completion; resolves with its wall time in ms, rejects on a non-zero exit. */
export function timeCommand(argv, options = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = performance.now() - t0;
      if (code === 0 || options.anyExit) resolve({ ms, code, output: out });
      else reject(new Error(`${argv.join(' ')} exited ${code ?? signal}:\n${out.slice(0, 1000)}`));
    });
  });
}

/** Polls getProcessInfo until `names` are all RUNNING (e.g. event listeners past their startsecs). */
export async function waitRunning(rpc, names, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    while (!/<name>statename<\/name>\s*<value>(?:<string>)?RUNNING/.test(await rpc.call('supervisor.getProcessInfo', [name]))) {
      if (Date.now() > deadline) throw new Error(`${name} never RUNNING`);
      await sleep(20);
    }
  }
}
