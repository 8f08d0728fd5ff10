// Row 16 of states.md with a real process: supervisord cannot signal its child (kill fails with
// EPERM, not ESRCH), so the process goes to UNKNOWN with 4.2.5's CRIT line, and the daemon carries on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, childPids, isAlive, makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';

const SOURCE = path.join(REPO_ROOT, 'test', 'fixtures', 'c', 'setuid-root-sleep.c');
const haveCompiler = spawnSync('cc', ['--version']).status === 0;

test('a stop that cannot signal the process (EPERM) leaves it UNKNOWN, logged CRIT, daemon still serving', {
  skip: process.getuid?.() !== 0 ? 'needs root to install a setuid binary' : !haveCompiler && 'needs a C compiler (cc)',
}, async (t) => {
  const dir = makeTempDir('sv-unknown-');
  fs.chmodSync(dir, 0o777); // supervisord runs as nobody and writes its log here
  const binary = path.join(dir, 'setuid-root-sleep');
  execFileSync('cc', ['-o', binary, SOURCE]);
  fs.chmodSync(binary, 0o4755);
  const socket = path.join(dir, 'sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\nchmod=0777\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[program:root]\ncommand=${binary}\nstartsecs=0\n`,
  );
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o777);
  fs.chmodSync(binary, 0o4755);
  const daemon = startDaemon(dir, ['-n', '-u', 'nobody', '-c', conf]);
  let child = 0;
  t.after(async () => {
    if (child && isAlive(child)) process.kill(child, 'SIGKILL');
    await daemon.stop();
  });
  await daemon.waitForLog(/success: root entered RUNNING/);
  [child] = childPids(daemon.child.pid!);
  const status = fs.readFileSync(`/proc/${child}/status`, 'utf8');
  if (!/^Uid:\s+0\s+0\s+0\s+0$/m.test(status)) {
    t.skip('the temp dir does not honour setuid (mounted nosuid)');
    return;
  }
  await assert.rejects(rpcCall(socket, 'supervisor.stopProcess', ['root']));
  const info = (await rpcCall(socket, 'supervisor.getProcessInfo', ['root'])) as { statename: string };
  assert.equal(info.statename, 'UNKNOWN');
  assert.match(daemon.mainLog(), new RegExp(`CRIT unknown problem killing root \\(${child}\\):`));
  assert.ok(isAlive(child), 'the process could not be signalled and still runs');
  const state = (await rpcCall(socket, 'supervisor.getState')) as { statename: string };
  assert.equal(state.statename, 'RUNNING');
});
