// environment_file= with real processes: what the child sees (its own output names each variable),
// that `update` restarts a program whose env file changed and only that one, that a file gone at
// reread is reported and changes nothing, and that the real supervisord 4.2.5 runs the same file.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, isAlive, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { OUR_SUPERVISORCTL, REFERENCE_SUPERVISORD } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';

const PRINT_ENV = path.join(FIXTURES, 'print-env.sh');
const NAMES = ['FROM_DAEMON', 'A', 'B', 'C', 'D', 'E'];

function programs(dir: string): string {
  const socket = path.join(dir, 'sock');
  return `[unix_http_server]
file=${socket}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://${socket}
[program:app]
command=${PRINT_ENV} ${NAMES.join(' ')}
startsecs=0
stdout_logfile=%(here)s/app.out
environment=E="app-environment"
environment_file=app.env
[program:other]
command=${PRINT_ENV} A C
startsecs=0
stdout_logfile=%(here)s/other.out
`;
}

const DAEMON_SECTION = 'environment=B="sv-environment",C="sv-environment"\nenvironment_file=global.env';

/** The NAME=value lines of the child's latest run (the log file keeps every run's lines). */
function lastRun(file: string, names: readonly string[]): Record<string, string> | null {
  if (!fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  if (lines.length < names.length || lines.length % names.length !== 0) return null;
  return Object.fromEntries(lines.slice(-names.length).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function setup(): { dir: string; conf: string } {
  const dir = makeTempDir('sv-envfile-run-');
  fs.writeFileSync(path.join(dir, 'global.env'), 'A=global-file\nB=global-file\nC=global-file\nD=global-file\n');
  fs.writeFileSync(path.join(dir, 'app.env'), '# the app\nexport C=app-file\nD="app-file"\nE=app-file\n');
  return { dir, conf: writeConfig(dir, programs(dir), DAEMON_SECTION) };
}

test('the child sees the precedence; update restarts only the program whose env file changed; a vanished file is a reread error', async (t) => {
  const { dir, conf } = setup();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const daemon = startDaemon(dir, ['-n', '-c', conf], { env: { ...process.env, FROM_DAEMON: 'daemon', A: 'daemon' } });
  t.after(() => daemon.stop());
  const socket = path.join(dir, 'sock');
  const pid = async (name: string) => ((await rpcCall(socket, 'supervisor.getProcessInfo', [name])) as { pid: number }).pid;

  const first = await waitFor(() => lastRun(path.join(dir, 'app.out'), NAMES), 10_000, 'app printed its environment');
  // lowest first: supervisord's own, [supervisord] file, [supervisord] environment, program file, program environment
  assert.deepEqual(first, { FROM_DAEMON: 'daemon', A: 'global-file', B: 'sv-environment', C: 'app-file', D: 'app-file', E: 'app-environment' });
  await waitFor(() => lastRun(path.join(dir, 'other.out'), ['A', 'C']), 10_000, 'other printed its environment');
  const [app1, other1] = [await pid('app'), await pid('other')];

  fs.writeFileSync(path.join(dir, 'app.env'), 'C=app-file-edited\n');
  const update = spawnSync(process.execPath, [OUR_SUPERVISORCTL, '-c', conf, 'update'], { encoding: 'utf8' });
  assert.equal(update.status, 0, update.stdout + update.stderr);
  assert.equal(update.stdout, 'app: stopped\napp: updated process group\n');
  const second = await waitFor(() => {
    const run = lastRun(path.join(dir, 'app.out'), NAMES);
    return run?.C === 'app-file-edited' ? run : null;
  }, 10_000, 'app restarted with the edited file');
  // D and E came from the file before; now D falls back to the global file, E is still explicit
  assert.deepEqual(second, { FROM_DAEMON: 'daemon', A: 'global-file', B: 'sv-environment', C: 'app-file-edited', D: 'global-file', E: 'app-environment' });
  assert.notEqual(await pid('app'), app1);
  assert.equal(isAlive(app1), false, 'the old app process is gone');
  assert.equal(await pid('other'), other1, 'other: its environment did not change, same pid');

  fs.rmSync(path.join(dir, 'app.env'));
  const reread = spawnSync(process.execPath, [OUR_SUPERVISORCTL, '-c', conf, 'reread'], { encoding: 'utf8' });
  assert.equal(reread.status, 1);
  assert.equal(
    reread.stdout,
    `ERROR: CANT_REREAD: cannot read environment_file '${dir}/app.env': no such file in section 'program:app' (file: '${conf}')\n`,
  );
  const update2 = spawnSync(process.execPath, [OUR_SUPERVISORCTL, '-c', conf, 'update'], { encoding: 'utf8' });
  assert.notEqual(update2.status, 0);
  assert.match(update2.stdout, /CANT_REREAD: cannot read environment_file/);
  assert.equal(daemon.child.exitCode, null, 'the daemon keeps running');
  assert.equal((await rpcCall(socket, 'supervisor.getProcessInfo', ['app']) as { statename: string }).statename, 'RUNNING');
});

test('a missing env file at startup: exit 2 with the file, section and key named', async (t) => {
  const { dir, conf } = setup();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.rmSync(path.join(dir, 'global.env'));
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  const exit = await daemon.exited;
  assert.equal(exit.code, 2);
  assert.match(daemon.output(), new RegExp(`^Error: cannot read environment_file '${dir}/global.env': no such file in section 'supervisord' \\(file: '${conf}'\\)$`, 'm'));
});

test('the real supervisord 4.2.5 runs the same file and ignores the key', async (t) => {
  const { dir, conf } = setup();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const real = spawn(REFERENCE_SUPERVISORD, ['-n', '-c', conf], { cwd: dir, stdio: 'ignore', env: { ...process.env, FROM_DAEMON: 'daemon', A: 'daemon' } });
  const exited = new Promise((resolve) => real.once('exit', resolve));
  t.after(async () => {
    if (real.exitCode === null && real.signalCode === null) {
      real.kill('SIGTERM');
      await exited;
    }
  });
  const run = await waitFor(() => lastRun(path.join(dir, 'app.out'), NAMES), 15_000, 'app printed its environment under 4.2.5');
  assert.deepEqual(run, { FROM_DAEMON: 'daemon', A: 'daemon', B: 'sv-environment', C: 'sv-environment', D: 'unset', E: 'app-environment' });
});
