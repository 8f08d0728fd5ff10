// Scenario 7: supervisor.getState back to back over the unix socket, 1 and 4 clients.
// Each client keeps one connection and has one call in flight; calls/s and per-call latency.
import { RpcClient, makeTempDir, scaled, startDaemon, writeConfig, quantile } from '../lib.mjs';
import path from 'node:path';
import fs from 'node:fs';

const SECONDS = Number(process.env.BENCH_RPC_SECONDS ?? scaled(3));
const WARMUP_MS = 500;

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

export default {
  name: 'rpc',
  number: 7,
  title: 'RPC: supervisor.getState back to back',
  method:
    `One daemon with one idle program. 1 client, then 4 concurrent clients, each on its own kept-alive ` +
    `connection to the unix socket with one call in flight, call \`supervisor.getState\` back to back for ` +
    `${SECONDS} s after a ${WARMUP_MS} ms warm-up. The clients run in the bench process (Node), on the same 2 cores as the daemon.`,
  defaultReps: 3,
  metrics: [
    { key: 'rate1', label: 'calls/s, 1 client', unit: '/s', better: 'higher', target: { ratio: 4 } },
    { key: 'p50_1', label: 'p50 latency, 1 client', unit: 'ms', better: 'lower' },
    { key: 'p99_1', label: 'p99 latency, 1 client', unit: 'ms', better: 'lower' },
    { key: 'rate4', label: 'calls/s, 4 clients', unit: '/s', better: 'higher', target: { ratio: 4 } },
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
      return { rate1: one.rate, p50_1: one.p50, p99_1: one.p99, rate4: four.rate, p50_4: four.p50, p99_4: four.p99 };
    } finally {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
