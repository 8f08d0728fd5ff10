// echo_supervisord_conf and pidproxy, run as users run them (the bin/ files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { loadConfigResult } from '../../src/config/loader.js';
import { renderDump } from '../../src/config/dump.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';
import { REPO_ROOT, isAlive, makeTempDir, waitFor } from '../helpers/daemon.js';

const ECHO_BIN = path.join(REPO_ROOT, 'bin', 'echo_supervisord_conf.js');
const PIDPROXY_BIN = path.join(REPO_ROOT, 'bin', 'pidproxy.js');

function bothLoaders(file: string): { theirs: string; ours: string } {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', USER: 'root' };
  const theirs = execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, '-e', 'HOME=/root', '-e', 'USER=root', file], { encoding: 'utf8' });
  const ours = renderDump(loadConfigResult(file, { env, cwd: '/', relaxed: true }));
  return { theirs, ours };
}

test('echo_supervisord_conf: the sample, and the sample with every section uncommented, mean the same to 4.2.5 and to us', () => {
  const sample = execFileSync(process.execPath, [ECHO_BIN], { encoding: 'utf8' });
  const dir = makeTempDir();
  const plain = path.join(dir, 'sample.conf');
  fs.writeFileSync(plain, sample);
  const a = bothLoaders(plain);
  assert.equal(JSON.parse(a.theirs).ok, true, a.theirs);
  assert.equal(a.ours, a.theirs);

  // uncomment every setting line (not the prose) to check the documented defaults too
  const uncommented = sample
    .split('\n')
    .map((line) => (/^;\[|^;[a-z_.]+=/.test(line) ? line.slice(1) : line))
    .join('\n')
    .replace(/^files=relative\/directory\/\*\.ini/m, `files=${dir}/nothing/*.ini`);
  const full = path.join(dir, 'full.conf');
  fs.writeFileSync(full, uncommented);
  const b = bothLoaders(full);
  assert.equal(b.ours, b.theirs);
});

test('pidproxy without arguments prints its usage and exits 1', () => {
  const r = spawnSync(process.execPath, [PIDPROXY_BIN], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /Usage: .* <pidfile name> <command> \[<cmdarg1> \.\.\.\]/);
});

test('pidproxy forwards signals to the pid in the pidfile, and exits after TERM', async (t) => {
  const dir = makeTempDir();
  const pidfile = path.join(dir, 'app.pid');
  const marker = path.join(dir, 'got-usr1');
  // a "daemon" that writes its pid, records SIGUSR1, and exits on TERM; the launcher stays in front
  const script = path.join(dir, 'launcher.sh');
  fs.writeFileSync(
    script,
    `#!/bin/sh\n(trap 'touch ${marker}' USR1; trap 'exit 0' TERM; echo $(sh -c 'echo $PPID') > ${pidfile}; while :; do sleep 0.05; done) &\nwait\n`,
    { mode: 0o755 },
  );
  const proxy = spawn(process.execPath, [PIDPROXY_BIN, pidfile, script], { stdio: 'ignore' });
  t.after(() => {
    if (proxy.exitCode === null) proxy.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => proxy.on('exit', (code) => resolve(code)));
  const pid = await waitFor(() => fs.existsSync(pidfile) && Number(fs.readFileSync(pidfile, 'utf8').trim()), 5000, 'pidfile');
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  proxy.kill('SIGUSR1');
  await waitFor(() => fs.existsSync(marker), 5000, 'USR1 to reach the daemon');
  proxy.kill('SIGTERM');
  assert.equal(await exited, 0);
  await waitFor(() => !isAlive(pid), 5000, 'daemon to exit on the forwarded TERM');
});
