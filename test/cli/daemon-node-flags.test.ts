// The daemon replaces itself once with the same program under its V8 flags (docs/decisions/0020):
// the PID a parent spawned is the daemon's (signals, getPID), stdio still reaches the parent, the
// flags are on its command line, and SUPERVISOR_TS_NODE_FLAGS=0 or flags already given skip it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { DAEMON_NODE_FLAGS, missingDaemonFlags } from '../../src/cli/daemon-node-flags.js';

const cmdline = (pid: number): string[] => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

function daemonIn(t: { after: (fn: () => unknown) => void }, env: NodeJS.ProcessEnv = process.env) {
  const dir = makeTempDir('sv-node-flags-');
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[program:p]\ncommand=sleep 100\nstartsecs=0\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf], { env });
  t.after(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { daemon, socket };
}

test('the daemon runs under its V8 flags in the very process its parent spawned', async (t) => {
  const { daemon, socket } = daemonIn(t);
  await daemon.waitForLog(/success: p entered RUNNING/);
  assert.equal(await rpcCall(socket, 'supervisor.getPID'), daemon.child.pid);
  const argv = cmdline(daemon.child.pid!);
  for (const flag of DAEMON_NODE_FLAGS) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
  // the parent's signal reaches it: SIGTERM ends it cleanly
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited, { code: 0, signal: null });
});

test('what the re-executed daemon writes to stderr reaches its parent (Node opens stdio close-on-exec)', async (t) => {
  const dir = makeTempDir('sv-node-flags-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const failing = startDaemon(dir, ['-n', '-c', path.join(dir, 'missing.conf')]);
  assert.deepEqual(await failing.exited, { code: 2, signal: null });
  assert.match(failing.output(), /^Error: could not find config file .*missing\.conf\nFor help, use .*supervisord\.js -h\n$/);
});

test('SUPERVISOR_TS_NODE_FLAGS=0 runs the daemon under V8\'s defaults, without the re-exec', async (t) => {
  const { daemon } = daemonIn(t, { ...process.env, SUPERVISOR_TS_NODE_FLAGS: '0' });
  await daemon.waitForLog(/success: p entered RUNNING/);
  const argv = cmdline(daemon.child.pid!);
  for (const flag of DAEMON_NODE_FLAGS) assert.ok(!argv.includes(flag), `${flag} not in ${argv.join(' ')}`);
});

test('flags already given on the command line or in NODE_OPTIONS, in any spelling, are not added again', () => {
  assert.deepEqual(missingDaemonFlags([], undefined), [...DAEMON_NODE_FLAGS]);
  assert.deepEqual(missingDaemonFlags(['--max-semi-space-size=4'], '--v8_pool_size=2'), []);
  assert.deepEqual(missingDaemonFlags(['--inspect'], '--max_semi_space_size=8'), ['--v8-pool-size=1']);
});
