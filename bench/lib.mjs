// Shared helpers for the benchmarks: temp dirs, one generated config run by ours and by 4.2.5,
// a minimal XML-RPC client over the daemon's unix socket, /proc sampling and statistics.
// Plain Node ESM, no build step and no dependencies.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_DIR = path.join(REPO_ROOT, 'bench');

/** The two daemons compared; each scenario runs both on the same generated config, one after the other. */
export const DAEMONS = [
  { id: 'ours', label: 'supervisor-ts', argv: [process.execPath, path.join(REPO_ROOT, 'bin', 'supervisord.js')] },
  { id: 'theirs', label: 'Supervisor 4.2.5', argv: [process.env.BENCH_REAL_SUPERVISORD ?? '/usr/bin/supervisord'] },
];

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
  const stop = async () => {
    rpc.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return { daemon, pid: child.pid, child, dir, rpc, startedAt: t0, output: () => out, stop };
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
  return { voluntaryAllThreads: allThreads, voluntary: get('voluntary_ctxt_switches'), nonvoluntary: get('nonvoluntary_ctxt_switches'), rssKb: get('VmRSS') };
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
