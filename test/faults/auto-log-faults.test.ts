// A program's AUTO log cannot be created (childlogdir out of inodes, or read-only): that program
// fails to start with a spawnerr naming the file and the reason, the others run, the daemon keeps
// serving, and a SIGHUP reload with that fault neither kills it nor leaves its pidfile and socket
// behind. 4.2.5 (and we, before) died with a traceback at start and at reload, stopping every
// program. The childlogdir is a tmpfs with too few inodes in the daemon's private mount namespace
// (system.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, startDaemon, waitFor } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { FOREVER } from './helpers.js';
import { assertAnswersRpc, mountIn, mountNamespaceLauncher, mountNamespaceUnavailable, RPC_SECTIONS, seenBy } from './system.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Info {
  statename: string;
  spawnerr: string;
  stdout_logfile: string;
  pid: number;
}

/** `auto` logs to AUTO files in `logs`, `fixed` to a file beside the config: only `auto` needs childlogdir. */
function setUp(prefix: string, supervisordExtra = ''): { dir: string; logs: string; socket: string; conf: string } {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const socket = path.join(dir, 'sock');
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${logs}\n${supervisordExtra}${RPC_SECTIONS(socket)}` +
      `[program:auto]\ncommand=${FOREVER}\nstartsecs=0\nstartretries=1\n` +
      `[program:fixed]\ncommand=${FOREVER}\nstartsecs=0\nstdout_logfile=${dir}/fixed.log\nstderr_logfile=NONE\n`,
  );
  return { dir, logs, socket, conf };
}

async function info(socket: string, name: string): Promise<Info> {
  return (await rpcCall(socket, 'supervisor.getProcessInfo', [name])) as unknown as Info;
}

const skip = mountNamespaceUnavailable() ?? false;

test('childlogdir out of inodes at start: the AUTO program fails with a spawnerr naming the file, the other runs; it starts once the file can be made', { skip }, async () => {
  const { dir, logs, socket, conf } = setUp('faults-autolog-start-');
  // one inode: the tmpfs root's own, none left for a file
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount -t tmpfs -o size=64k,nr_inodes=1 tmpfs ${logs}`) });
  try {
    await daemon.waitForLog(/success: fixed entered RUNNING state/);
    await daemon.waitForLog(/gave up: auto entered FATAL state/);
    const cause = `cannot create the AUTO stdout log of auto in childlogdir ${logs}: ENOSPC: no space left on device, open '${logs}/auto-stdout---supervisor-`;
    assert.ok(daemon.mainLog().includes(`ERRO ${cause}`), `the ERRO line at start:\n${daemon.mainLog()}`);
    assert.match(daemon.mainLog(), /INFO spawnerr: cannot create the AUTO stdout log of auto in childlogdir .*: ENOSPC/);
    const auto = await info(socket, 'auto');
    assert.equal(auto.statename, 'FATAL');
    assert.ok(auto.spawnerr.startsWith(cause), `spawnerr: ${auto.spawnerr}`);
    assert.equal(auto.stdout_logfile, '', 'no log file yet');
    assert.equal((await info(socket, 'fixed')).statename, 'RUNNING');
    await assert.rejects(rpcCall(socket, 'supervisor.startProcess', ['auto']), (err: Error) => /SPAWN_ERROR: auto/.test(err.message));
    await waitFor(() => daemon.mainLog().match(/gave up: auto entered FATAL state/g)?.length === 2, 10_000, 'the retries of that start to end');
    await assertAnswersRpc(socket);

    // inodes come back: the next start makes the files and runs
    mountIn(daemon.child.pid!, ['-o', 'remount,nr_inodes=16', logs]);
    await rpcCall(socket, 'supervisor.startProcess', ['auto']);
    const started = await info(socket, 'auto');
    assert.equal(started.statename, 'RUNNING');
    assert.match(started.stdout_logfile, new RegExp(`^${logs}/auto-stdout---supervisor-\\w+\\.log$`));
    assert.ok(fs.existsSync(seenBy(daemon.child.pid!, started.stdout_logfile)), 'the AUTO file exists');
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});

test('childlogdir out of inodes at a SIGHUP reload: the daemon reloads, keeps its pidfile and socket, the other program runs again', { skip }, async () => {
  // nocleanup: the first run's AUTO files stay, so the reload needs two more inodes and finds none
  const { dir, logs, socket, conf } = setUp('faults-autolog-reload-', 'nocleanup=true\n');
  // three inodes: the root's and the first run's two AUTO files
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount -t tmpfs -o size=64k,nr_inodes=3 tmpfs ${logs}`) });
  try {
    const pid = daemon.child.pid!;
    await daemon.waitForLog(/success: fixed entered RUNNING state/);
    await daemon.waitForLog(/success: auto entered RUNNING state/);

    process.kill(pid, 'SIGHUP');
    const started = (): number => daemon.mainLog().match(/supervisord started with pid/g)?.length ?? 0;
    await waitFor(() => started() === 2, 20_000, `the reload:\n${daemon.mainLog()}`);
    await daemon.waitForLog(/gave up: auto entered FATAL state/);
    assert.match(daemon.mainLog(), /ERRO cannot create the AUTO stdout log of auto in childlogdir .*logs: ENOSPC: no space left on device, open '.*auto-stdout---supervisor-\w+\.log'; auto cannot start until it can be made/);
    await waitFor(() => daemon.mainLog().match(/success: fixed entered RUNNING state/g)?.length === 2, 10_000, 'fixed running again after the reload');

    assert.equal(daemon.child.exitCode, null, `the daemon is alive:\n${daemon.output()}`);
    assert.equal(fs.readFileSync(`${dir}/supervisord.pid`, 'utf8').trim(), String(pid), 'the pidfile names the running daemon');
    await assertAnswersRpc(socket);
    const auto = await info(socket, 'auto');
    assert.equal(auto.statename, 'FATAL');
    assert.match(auto.spawnerr, /^cannot create the AUTO stdout log of auto in childlogdir .*logs: ENOSPC: no space left on device, open '.*auto-stdout---supervisor-\w+\.log'$/);
    assert.equal((await info(socket, 'fixed')).statename, 'RUNNING');
  } finally {
    await daemon.stop();
  }
  // a clean exit after all that removes what the run made
  assert.equal(fs.existsSync(`${dir}/supervisord.pid`), false, 'no stale pidfile');
  assert.equal(fs.existsSync(socket), false, 'no stale socket');
});
