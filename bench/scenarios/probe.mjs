// Scenario 9: what one Kubernetes probe costs. An httpGet probe of ours ([probe_http_server],
// GET /readyz/app) against an exec probe: ours' `supervisorctl status --probe app` and 4.2.5's
// `supervisorctl status app`. CPU per probe = the caller's CPU + the daemon's, over many probes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { compiledHelper, cpuMs, makeTempDir, scaled, startDaemon, waitRunning, writeConfig } from '../lib.mjs';

const HTTP_PROBES = Number(process.env.BENCH_PROBE_HTTP ?? scaled(3000, 300));
const EXEC_PROBES = Number(process.env.BENCH_PROBE_EXEC ?? scaled(20, 5));
// the daemon's first requests run while V8 still compiles the path; a kubelet probing every few
// seconds meets the compiled one
const WARMUP_PROBES = 50;

function probeClient() {
  const binary = compiledHelper('probe-client');
  if (!binary) throw new Error('the probe scenario needs a C compiler (cc, gcc or clang) for bench/helpers/probe-client.c');
  return binary;
}

/** A TCP port free on 127.0.0.1 now, for the probe server (the same for both daemons' config). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs the probe client to its end; its JSON line. */
function runClient(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(probeClient(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`probe-client ${args[0]} exited ${code}: ${stderr.trim()}`))));
  });
}

// the floor of Node's HTTP server per connection: a server that answers every request with a fixed line
const FIXED_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 15 });
  res.end('app is RUNNING\\n');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** The daemon's CPU per httpGet probe had it been a plain Node HTTP server answering a fixed line. */
async function nodeFloor() {
  const server = spawn(process.execPath, ['-e', FIXED_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      server.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      server.once('exit', (code) => reject(new Error(`the fixed-answer server exited ${code}`)));
    });
    await runClient(['http', String(port), '/readyz/app', String(WARMUP_PROBES)]);
    return (await measure(server.pid, () => runClient(['http', String(port), '/readyz/app', String(HTTP_PROBES)]))).daemon;
  } finally {
    server.kill();
  }
}

/** CPU per probe (ms): the client's, the daemon's, and their sum, over `run()`. */
async function measure(daemonPid, run) {
  const before = cpuMs(daemonPid);
  const result = await run();
  const daemon = (cpuMs(daemonPid) - before) / result.probes;
  const client = result.cpu_ms / result.probes;
  return { result, daemon, client, total: daemon + client };
}

export default {
  name: 'probe',
  number: 9,
  title: 'Probes: CPU per Kubernetes probe, httpGet against exec',
  method: () =>
    `One daemon with one program \`app\` (\`sleep infinity\`, RUNNING), its config also holding a ` +
    `\`[probe_http_server]\` on 127.0.0.1 (4.2.5 ignores the section). ` +
    `**httpGet** (ours only; 4.2.5 has no HTTP probe): \`bench/helpers/probe-client.c\` sends ${HTTP_PROBES} ` +
    `\`GET /readyz/app\` one after the other, each as a kubelet does (a new TCP connection, its headers, ` +
    `\`Connection: close\`, the answer read to the end), after ${WARMUP_PROBES} unmeasured ones; every answer must be 200. ` +
    `**exec**: the same client forks and execs the probe command ${EXEC_PROBES} times, one after the other: ours' ` +
    `\`bin/supervisorctl.js -c CONF status --probe app\` (run as a program, as a kubelet runs \`supervisorctl\`) against ours, 4.2.5's \`/usr/bin/supervisorctl -c CONF status app\` ` +
    `against 4.2.5 (both exit 0). CPU per probe = the caller's user+system CPU (the client's own getrusage for httpGet, ` +
    `its children's for exec) plus the daemon's (/proc/PID/stat utime+stime delta, 10 ms ticks), divided by the probes.`,
  notes:
    'A kubelet makes an httpGet probe in its own (Go) process: one TCP connection, one request, no process ' +
    'started; the client row here (a C client) stands for that cost, which the kubelet pays in the same way. ' +
    'An exec probe starts a whole interpreter in the container each time (the `node -e 0` or `python3 -c 0` floor ' +
    'is most of it), which the pod pays. Where NODE_EXTRA_CA_CERTS is set (as on the machine of these figures), node ' +
    'parses that file at every start, 30-40 ms of CPU; ours\' `supervisorctl`, which makes no TLS connection, drops it ' +
    'when run as a program (ADR 0014), 4.2.5\'s Python never reads it. The daemon\'s part of an exec probe is its answer to the one or two ' +
    'XML-RPC calls of `status`. Targets (issue 17): the httpGet probe at most 1 % of 4.2.5\'s exec probe; ' +
    'ours\' exec probe at most half of 4.2.5\'s. Issue 20\'s peak anonymous RSS here (within 1.25× of 4.2.5\'s) is missed by ' +
    'about 1 MiB (ADR 0020, part D): every TCP connection leaves about 1 KB that only a full collection frees (a plain Node HTTP ' +
    'server does the same), and the thousands of probes fill the young generation to its 2 × 4 MiB; the two cures measured, ' +
    '2 MiB semi-spaces and a full collection every 500 connections, cost 10 % of the event firehose and 8 % of a probe\'s CPU.',
  defaultReps: 3,
  metrics: [
    { key: 'http', label: 'CPU per httpGet probe (GET /readyz/app): client + daemon', unit: 'ms', better: 'lower', target: { ratio: 100, against: 'exec', base: "4.2.5's exec probe", issue: 17 } },
    { key: 'httpDaemon', label: 'CPU per httpGet probe: the daemon\'s part', unit: 'ms', better: 'lower' },
    { key: 'httpFloor', label: 'CPU per httpGet probe: a plain Node HTTP server answering a fixed line (the floor, same client)', unit: 'ms', better: 'lower' },
    { key: 'httpClient', label: 'CPU per httpGet probe: the client\'s part', unit: 'ms', better: 'lower' },
    { key: 'exec', label: 'CPU per exec probe (ours: status --probe app; 4.2.5: status app): supervisorctl + daemon', unit: 'ms', better: 'lower', target: { ratio: 2, issue: 17 } },
    { key: 'execDaemon', label: 'CPU per exec probe: the daemon\'s part', unit: 'ms', better: 'lower' },
    { key: 'execClient', label: 'CPU per exec probe: supervisorctl\'s part', unit: 'ms', better: 'lower' },
  ],
  async once(daemon) {
    const dir = makeTempDir();
    const port = await freePort();
    const conf = writeConfig(
      dir,
      `[probe_http_server]\nport=127.0.0.1:${port}\n\n[program:app]\ncommand=sleep infinity\nstartsecs=1\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
    );
    const d = await startDaemon(daemon, dir, conf);
    try {
      await waitRunning(d.rpc, ['app']);
      const out = {};
      if (daemon.id === 'ours') {
        await runClient(['http', String(port), '/readyz/app', String(WARMUP_PROBES)]);
        const http = await measure(d.pid, () => runClient(['http', String(port), '/readyz/app', String(HTTP_PROBES)]));
        if (http.result.last !== 'app is RUNNING') throw new Error(`/readyz/app answered ${JSON.stringify(http.result.last)}`);
        Object.assign(out, { http: http.total, httpDaemon: http.daemon, httpFloor: await nodeFloor(), httpClient: http.client });
      }
      const command = daemon.id === 'ours' ? [...daemon.ctl, '-c', conf, 'status', '--probe', 'app'] : [...daemon.ctl, '-c', conf, 'status', 'app'];
      const exec = await measure(d.pid, () => runClient(['exec', String(EXEC_PROBES), ...command]));
      const codes = exec.result.codes;
      if (codes['0'] !== EXEC_PROBES) throw new Error(`${command.join(' ')} exited other than 0: ${JSON.stringify(codes)}`);
      Object.assign(out, { exec: exec.total, execDaemon: exec.daemon, execClient: exec.client });
      return out;
    } finally {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
