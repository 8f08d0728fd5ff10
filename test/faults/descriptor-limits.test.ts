// A low hard `ulimit -n`, ours beside 4.2.5 under the same prlimit: too low to start at all gives
// a clean message and exit 2 (not an EMFILE stack trace from loading our modules); low enough that
// not every program can start, the starts that do not fit fail with 4.2.5's spawnerr and RPC
// still answers, because starts leave descriptors free for the servers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { FIXTURES, makeTempDir, REFERENCE_DAEMON, SUPERVISORD_BIN, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCallOnce } from '../helpers/rpc-client.js';
import { DESCRIPTORS_KEPT_FREE } from '../../src/process/descriptor-budget.js';
import { openFdCount, RPC_SECTIONS } from './system.js';

const OURS = [process.execPath, SUPERVISORD_BIN];

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}

/**
 * Runs `daemon` with a hard and soft limit of `fds` descriptors, unable to raise it even as root
 * (CAP_SYS_RESOURCE dropped), as an unprivileged user would be.
 */
function limited(fds: number): string[] {
  return ['setpriv', '--inh-caps=-sys_resource', '--bounding-set=-sys_resource', 'prlimit', `--nofile=${fds}:${fds}`];
}

function runToExit(command: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('a hard limit of 56 descriptors: a clean message and exit 2, as 4.2.5 (not an EMFILE stack trace while loading)', async () => {
  for (const daemon of [OURS, REFERENCE_DAEMON]) {
    const dir = tempDir('fds-low-');
    const conf = writeConfig(dir, '');
    const { code, stderr } = await runToExit([...limited(56), ...daemon, '-n', '-c', conf], dir);
    assert.equal(code, 2, `${daemon.join(' ')}: ${stderr}`);
    assert.match(stderr, /^Error: The minimum number of file descriptors required to run this process is \d+.* The current environment will only allow you to open \d+ file descriptors\. .*\nFor help, use \S+ -h\n$/);
    assert.doesNotMatch(stderr, /EMFILE|\n\s+at /);
  }
});

test('20 programs under a hard limit of 64: starts that do not fit fail with 4.2.5 spawnerr, descriptors stay free and RPC answers, as with 4.2.5', async () => {
  for (const daemon of [OURS, REFERENCE_DAEMON]) {
    const dir = tempDir('fds-64-');
    const socket = path.join(dir, 'sock');
    const conf = writeConfig(
      dir,
      RPC_SECTIONS(socket) + `[program:p]\nprocess_name=p%(process_num)02d\nnumprocs=20\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\nstartretries=0\nstopsignal=KILL\n`,
      'minfds=64',
    );
    const running = startDaemon(dir, ['-n', '-c', conf], { launcher: limited(64), daemon });
    const what = `${daemon.join(' ')}`;
    try {
      // every program settled (RUNNING, or FATAL for want of descriptors), told over RPC
      let states: { group: string; name: string; statename: string; description: string }[] = [];
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          states = (await rpcCallOnce(socket, 'supervisor.getAllProcessInfo')) as typeof states;
          if (states.length === 20 && states.every((p) => p.statename === 'RUNNING' || p.statename === 'FATAL')) break;
        } catch (err) {
          // not listening yet, or (before the reserve) no descriptor left to accept the connection
          if (Date.now() > deadline) throw new Error(`${what}: RPC unreachable: ${(err as Error).message}\n--- log:\n${running.mainLog()}`);
        }
        if (Date.now() > deadline) throw new Error(`${what}: programs not settled: ${JSON.stringify(states.map((p) => p.statename))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const started = states.filter((p) => p.statename === 'RUNNING');
      assert.ok(started.length >= 1, `${what}: some programs run`);
      for (const p of states.filter((q) => q.statename === 'FATAL')) assert.equal(p.description, `too many open files to spawn '${p.name}'`, what);
      // and it keeps answering, a call that opens a log file included
      for (let i = 0; i < 5; i++) {
        assert.equal(((await rpcCallOnce(socket, 'supervisor.getState')) as { statename: string }).statename, 'RUNNING', what);
        await rpcCallOnce(socket, 'supervisor.readProcessStdoutLog', [`${started[0]!.group}:${started[0]!.name}`, 0, 100]);
      }
      if (daemon === OURS) assert.ok(openFdCount(running.child.pid!) <= 64 - DESCRIPTORS_KEPT_FREE, `${openFdCount(running.child.pid!)} descriptors open`);
    } finally {
      await running.stop();
    }
  }
});

// the descriptor check runs before our modules load; it must leave them enough to load: the
// check's floor itself is a limit supervisord starts under (minfds lowered to it)
test('supervisord starts under a hard limit of exactly the descriptors it asks for', async () => {
  const dir = tempDir('fds-floor-');
  const socket = path.join(dir, 'sock');
  const conf = writeConfig(dir, RPC_SECTIONS(socket), 'minfds=64');
  const running = startDaemon(dir, ['-n', '-c', conf], { launcher: limited(64) });
  try {
    await running.waitForLog(/supervisord started with pid/);
    assert.equal(((await rpcCallOnce(socket, 'supervisor.getState')) as { statename: string }).statename, 'RUNNING');
  } finally {
    await running.stop();
  }
  await waitFor(() => running.child.exitCode !== null || running.child.signalCode !== null, 10_000, 'the daemon to exit');
});
