// Scenario 7: supervisor.getState back to back over the unix socket, 1 and 4 clients.
// Each client keeps one connection and has one call in flight; calls/s and per-call latency.
import { spawn } from 'node:child_process';
import { BENCH_DIR, RpcClient, compiledHelper, makeTempDir, scaled, startDaemon, writeConfig, quantile } from '../lib.mjs';
import path from 'node:path';
import fs from 'node:fs';

const SECONDS = Number(process.env.BENCH_RPC_SECONDS ?? scaled(3));
// our daemon answers its first ~1 s of calls while V8 still compiles the path (p99 of several ms): measure after it
const WARMUP_MS = 2000;

/**
 * `clients` clients calling getState back to back for `ms` after the warm-up: bench/helpers/rpc-client.c
 * (a few microseconds per call) when a C compiler is there, else Node clients in this process, which
 * cost more per call than a fast server does (the ceiling row shows it).
 */
async function drive(socketPath, clients, ms) {
  const binary = compiledHelper('rpc-client');
  if (binary) {
    const { stdout } = await runCapture([binary, socketPath, String(clients), String(WARMUP_MS), String(ms)]);
    const r = JSON.parse(stdout);
    return { rate: (r.calls * 1000) / r.ms, p50: r.p50, p99: r.p99 };
  }
  return driveFromNode(socketPath, clients, ms);
}

async function driveFromNode(socketPath, clients, ms) {
  const latencies = [];
  let calls = 0;
  const rpcs = Array.from({ length: clients }, () => new RpcClient(socketPath));
  const warmEnd = performance.now() + WARMUP_MS;
  await Promise.all(rpcs.map(async (rpc) => { while (performance.now() < warmEnd) await rpc.call('supervisor.getState'); }));
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    rpcs.map(async (rpc) => {
      while (performance.now() < end) {
        const t = performance.now();
        await rpc.call('supervisor.getState');
        latencies.push(performance.now() - t);
        calls++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  rpcs.forEach((r) => r.close());
  return { rate: (calls * 1000) / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/** Runs argv to its end; its stdout, or an error with its stderr. */
function runCapture(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ stdout }) : reject(new Error(`${path.basename(argv[0])} exited ${code}: ${stderr.trim()}`))));
  });
}

/** The same clients against bench/helpers/fixed-rpc-server.mjs: the most this harness can measure. */
async function ceiling(dir) {
  const sock = path.join(dir, 'fixed.sock');
  const server = spawn(process.execPath, [path.join(BENCH_DIR, 'helpers', 'fixed-rpc-server.mjs'), sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve, reject) => {
      server.stdout.once('data', resolve);
      server.once('exit', (code) => reject(new Error(`fixed-rpc-server exited ${code}`)));
    });
    return { one: await drive(sock, 1, SECONDS * 1000), four: await drive(sock, 4, SECONDS * 1000) };
  } finally {
    server.kill();
  }
}

export default {
  name: 'rpc',
  number: 7,
  title: 'RPC: supervisor.getState back to back',
  method:
    `One daemon with one idle program. 1 client, then 4 concurrent clients, each on its own kept-alive ` +
    `connection to the unix socket with one call in flight, call \`supervisor.getState\` back to back for ` +
    `${SECONDS} s after a ${WARMUP_MS} ms warm-up. The clients are \`bench/helpers/rpc-client.c\` (one process per client, ` +
    `a few microseconds per call; Node clients in the bench process where there is no C compiler), on the same 2 cores as the daemon. ` +
    `In the same call, the ceiling of this harness: the same clients against a plain Node HTTP server that answers a ` +
    `fixed getState response (\`bench/helpers/fixed-rpc-server.mjs\`); a daemon cannot be measured above it.`,
  notes:
    'With one client, every call is a round trip between two processes on two cores, and the ceiling row ' +
    '(the same C client against a Node HTTP server that answers a fixed string) is what Node\'s HTTP stack ' +
    'itself allows: compare ours with it, not only with 4.2.5. Where ours is below the ceiling, the rest is ' +
    'its own work per call (node --cpu-prof: the write(2) of the answer, XML decoding and encoding, dispatch). ' +
    'Before bench/helpers/rpc-client.c, the clients were Node\'s http module in the bench process, which cost ' +
    'more per call than either daemon and capped every figure near 7 k calls/s.',
  defaultReps: 3,
  metrics: [
    { key: 'rate1', label: 'calls/s, 1 client', unit: '/s', better: 'higher', target: { ratio: 4 } },
    { key: 'ceil1', label: 'calls/s, 1 client, fixed-answer server (harness ceiling, same call)', unit: '/s', better: 'higher' },
    { key: 'p50_1', label: 'p50 latency, 1 client', unit: 'ms', better: 'lower' },
    { key: 'p99_1', label: 'p99 latency, 1 client', unit: 'ms', better: 'lower' },
    { key: 'rate4', label: 'calls/s, 4 clients', unit: '/s', better: 'higher', target: { ratio: 4 } },
    { key: 'ceil4', label: 'calls/s, 4 clients, fixed-answer server (harness ceiling, same call)', unit: '/s', better: 'higher' },
    { key: 'p50_4', label: 'p50 latency, 4 clients', unit: 'ms', better: 'lower' },
    { key: 'p99_4', label: 'p99 latency, 4 clients', unit: 'ms', better: 'lower' },
  ],
  async once(daemon) {
    const dir = makeTempDir();
    const conf = writeConfig(dir, '[program:idle]\ncommand=sleep infinity\nstdout_logfile=NONE\nstderr_logfile=NONE\n');
    const d = await startDaemon(daemon, dir, conf);
    try {
      const sock = path.join(dir, 'sock');
      const one = await drive(sock, 1, SECONDS * 1000);
      const four = await drive(sock, 4, SECONDS * 1000);
      const ceil = await ceiling(dir);
      return {
        rate1: one.rate,
        ceil1: ceil.one.rate,
        p50_1: one.p50,
        p99_1: one.p99,
        rate4: four.rate,
        ceil4: ceil.four.rate,
        p50_4: four.p50,
        p99_4: four.p99,
      };
    } finally {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
