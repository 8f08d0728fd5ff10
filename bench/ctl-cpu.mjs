#!/usr/bin/env node
// CPU per supervisorctl call (user + system, in CPU-seconds): ours (bin/supervisorctl.js, i.e. the
// bundle), ours from tsc's modules, 4.2.5's, and `node -e 0` as the floor no Node client can go
// under (where NODE_EXTRA_CA_CERTS is set, also `node -e 0` without it: the floor of ours run as a
// program). Each runs BENCH_CTL_CALLS times (default 40), interleaved so the neighbours' load hits all
// alike, against one of our supervisord with one program; the figure is the mean.
//   node bench/ctl-cpu.mjs                  `supervisorctl -c CONF status app`
//   node bench/ctl-cpu.mjs status --probe app   another command line after -c CONF
// A child's CPU is read from this process's cutime/cstime in /proc/self/stat (the kernel adds each
// waited-for child's), before and after each call: no `time` binary needed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DAEMONS, REAL_SUPERVISORCTL, REPO_ROOT, makeTempDir, startDaemon, writeConfig } from './lib.mjs';

const CALLS = Number(process.env.BENCH_CTL_CALLS ?? 40);
const command = process.argv.length > 2 ? process.argv.slice(2) : ['status', 'app'];
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function childrenCpuSeconds() {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // fields 16 and 17 of proc(5), counted from the state field (3)
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

const dir = makeTempDir('sv-bench-ctl-');
const conf = writeConfig(dir, '[program:app]\ncommand=sleep 100000\nstartsecs=0\n');
const daemon = await startDaemon(DAEMONS[0], dir, conf);
const ctlArgs = ['-c', conf, ...command];
// 'ours' runs bin/supervisorctl.js as a program, as users, scripts and a kubelet's exec probe do: its
// shell launcher drops NODE_EXTRA_CA_CERTS, which node otherwise parses at every start (ADR 0014);
// `node bin/supervisorctl.js` skips the launcher
const clients = {
  ours: [...DAEMONS[0].ctl, ...ctlArgs],
  'node bin/...': [process.execPath, path.join(REPO_ROOT, 'bin', 'supervisorctl.js'), ...ctlArgs],
  'ours, modules': [process.execPath, path.join(REPO_ROOT, 'bench', 'helpers', 'ctl-modules.mjs'), ...ctlArgs],
  '4.2.5': [...REAL_SUPERVISORCTL, ...ctlArgs],
  'node -e 0': [process.execPath, '-e', '0'],
};
const { NODE_EXTRA_CA_CERTS, ...withoutCaCerts } = process.env;
if (NODE_EXTRA_CA_CERTS !== undefined) clients['node -e 0, no CA'] = [process.execPath, '-e', '0'];
const envOf = (name) => (name === 'node -e 0, no CA' ? withoutCaCerts : process.env);
const totals = Object.fromEntries(Object.keys(clients).map((k) => [k, 0]));
try {
  // one call each first: the page cache and the daemon's first answers are not what is measured
  for (const [name, argv] of Object.entries(clients)) {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: envOf(name) });
    if (!name.startsWith('node -e 0') && r.stdout === '') throw new Error(`${name} printed nothing: ${r.stderr}`);
  }
  for (let i = 0; i < CALLS; i++) {
    for (const [name, argv] of Object.entries(clients)) {
      const before = childrenCpuSeconds();
      spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', env: envOf(name) });
      totals[name] += childrenCpuSeconds() - before;
    }
  }
} finally {
  await daemon.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
const mean = (name) => totals[name] / CALLS;
console.log(`supervisorctl -c CONF ${command.join(' ')}: CPU-s per call, mean of ${CALLS} (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set'})`);
for (const name of Object.keys(clients)) {
  console.log(`  ${name.padEnd(16)} ${mean(name).toFixed(4)}  ${(mean(name) / mean('4.2.5') * 100).toFixed(0).padStart(3)} % of 4.2.5's`);
}
