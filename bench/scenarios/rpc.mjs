// Scenario 7: supervisor.getState back to back over the unix socket, 1 and 4 clients.
// Each client keeps one connection and has one call in flight; calls/s and per-call latency.
import { spawn } from 'node:child_process';
import { BENCH_DIR, RpcClient, makeTempDir, scaled, startDaemon, writeConfig, quantile } from '../lib.mjs';
import path from 'node:path';
import fs from 'node:fs';

const SECONDS = Number(process.env.BENCH_RPC_SECONDS ?? scaled(3));
// our daemon answers its first ~1 s of calls while V8 still compiles the path (p99 of several ms): measure after it
const WARMUP_MS = 2000;

async function drive(socketPath, clients, ms) {
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
    `${SECONDS} s after a ${WARMUP_MS} ms warm-up. The clients run in the bench process (Node), on the same 2 cores as the daemon. ` +
    `In the same call, the ceiling of this harness: the same clients against a plain Node HTTP server that answers a ` +
    `fixed getState response (\`bench/helpers/fixed-rpc-server.mjs\`); a daemon cannot be measured above it.`,
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
