// bin/supervisorctl.js run as a program (a kubelet's exec probe, npm's bin link, a script) starts
// as a two-line shell script that drops NODE_EXTRA_CA_CERTS and execs node on the same file (ADR
// 0014): node parses every certificate of that file at start, 30-40 ms of CPU per call, for a
// client that makes no TLS connection. It must stay a drop-in: arguments, exit status, one process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, makeTempDir, startDaemon, waitFor, writeConfig, type RunningDaemon } from '../helpers/daemon.js';

const CTL = path.join(REPO_ROOT, 'bin', 'supervisorctl.js');
// what node prints at start when it cannot read NODE_EXTRA_CA_CERTS: proof that it read the variable
const CA_WARNING = /Ignoring extra certs from/;

let dir: string;
let conf: string;
let daemon: RunningDaemon;
let env: NodeJS.ProcessEnv;

before(async () => {
  dir = makeTempDir('sv-ctl-launcher-');
  const socket = path.join(dir, 'supervisor.sock');
  conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n` +
      `[supervisorctl]\nserverurl=unix://${socket}\n\n[program:app]\ncommand=sleep 1000\nstartsecs=0\n`,
  );
  daemon = startDaemon(dir, ['-n', '-c', conf]);
  env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'no-such-ca.pem') };
  await waitFor(() => /^app +RUNNING/.test(spawnSync(process.execPath, [CTL, '-c', conf, 'status', 'app'], { encoding: 'utf8' }).stdout), 20_000, 'app RUNNING');
});

after(async () => {
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('run as a program, supervisorctl starts without NODE_EXTRA_CA_CERTS; `node bin/supervisorctl.js` keeps it', () => {
  const asProgram = spawnSync(CTL, ['-c', conf, 'status', '--probe', 'app'], { encoding: 'utf8', env });
  assert.equal(asProgram.stderr, '');
  assert.match(asProgram.stdout, /^app +RUNNING +pid \d+/);
  assert.equal(asProgram.status, 0);

  const throughNode = spawnSync(process.execPath, [CTL, '-c', conf, 'status', '--probe', 'app'], { encoding: 'utf8', env });
  assert.match(throughNode.stderr, CA_WARNING, 'node given the file reads the variable (the check above can fail)');
  assert.match(throughNode.stdout, /^app +RUNNING +pid \d+/);
  assert.equal(throughNode.status, 0);
});

test('through a symlink (npm\'s bin link), with a config path the shell must not split or expand, the exit status kept', () => {
  const odd = path.join(dir, 'a $HOME * dir');
  fs.mkdirSync(path.join(odd, 'bin'), { recursive: true });
  const link = path.join(odd, 'bin', 'supervisorctl');
  fs.symlinkSync(CTL, link);
  const oddConf = path.join(odd, 'supervisord.conf');
  fs.copyFileSync(conf, oddConf);

  const running = spawnSync(link, ['-c', oddConf, 'status', '--probe', 'app'], { encoding: 'utf8', env });
  assert.equal(running.stderr, '');
  assert.match(running.stdout, /^app +RUNNING/);
  assert.equal(running.status, 0);
  // --probe: 4 for a name the daemon does not know
  const unknown = spawnSync(link, ['-c', oddConf, 'status', '--probe', 'nosuch'], { encoding: 'utf8', env });
  assert.equal(unknown.stdout, 'nosuch: ERROR (no such process)\n');
  assert.equal(unknown.status, 4);
});

test('the shell execs node: the supervisorctl process a kubelet waits for and signals is node itself', async () => {
  const child = spawn(CTL, ['-c', conf], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    // the interactive shell prints the status, then waits for a line
    await waitFor(() => /^app +RUNNING/m.test(out), 20_000, `the shell's status; output so far: ${out}`);
    // node from PATH, as `#!/usr/bin/env node` found it; not a shell waiting for it
    assert.match(path.basename(fs.realpathSync(`/proc/${child.pid}/exe`)), /^node/);
    child.stdin.end('status app\n');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
