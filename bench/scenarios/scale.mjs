// Scenario 5: many programs. Time until all are RUNNING, the daemon's RSS, getAllProcessInfo latency.
import fs from 'node:fs';
import { makeTempDir, procStatus, quantile, sleep, startDaemon, waitAllRunning, writeConfig, wallMs } from '../lib.mjs';

const SIZES = (process.env.BENCH_SCALE_SIZES ?? '100,500,1000').split(',').map(Number);
const CALLS = 20;

const metrics = [];
for (const n of SIZES) {
  metrics.push(
    { key: `start${n}`, label: `${n} programs: start → all RUNNING`, unit: 's', better: 'lower' },
    { key: `rss${n}`, label: `${n} programs: daemon RSS`, unit: 'MiB', better: 'lower' },
    { key: `gapi${n}`, label: `${n} programs: getAllProcessInfo p50`, unit: 'ms', better: 'lower' },
  );
}

export default {
  name: 'scale',
  number: 5,
  title: 'Scale: 100, 500 and 1000 programs',
  method:
    `N programs \`sleep infinity\` with \`startsecs=0\` (so the figure is the daemon's own spawning, not the ` +
    `1 s default), output to NONE, \`minfds=16384\`. Start → all RUNNING: from spawning the daemon until ` +
    `getAllProcessInfo (polled every 100 ms) shows N RUNNING. RSS of the daemon process after that (VmRSS). ` +
    `getAllProcessInfo latency: median of ${CALLS} sequential calls on one connection, 1 s after all are RUNNING.`,
  defaultReps: 1,
  metrics,
  async once(daemon) {
    const out = {};
    for (const n of SIZES) {
      const dir = makeTempDir();
      let body = '';
      for (let i = 0; i < n; i++) {
        body += `[program:p${i}]\ncommand=sleep infinity\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n`;
      }
      const conf = writeConfig(dir, body, 'minfds=16384\nminprocs=4096');
      const d = await startDaemon(daemon, dir, conf, 120_000);
      try {
        await waitAllRunning(d.rpc, n);
        out[`start${n}`] = (wallMs() - d.startedAt) / 1000;
        await sleep(1000);
        out[`rss${n}`] = procStatus(d.pid).rssKb / 1024;
        const lat = [];
        for (let i = 0; i < CALLS; i++) {
          const t = performance.now();
          await d.rpc.call('supervisor.getAllProcessInfo');
          lat.push(performance.now() - t);
        }
        out[`gapi${n}`] = quantile(lat, 0.5);
      } finally {
        await d.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return out;
  },
};
