// The supervisord command as users run it: foreground and daemon modes, the pidfile, signals
// (TERM/INT exit, HUP reload in the same pid, USR2 log reopen), config errors and options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, SUPERVISORD_BIN, childPids, isAlive, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const FOREVER = path.join(FIXTURES, 'forever.sh');

function readPid(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

test('supervisord -n: the spawned process is the daemon itself, and SIGTERM stops every program then exits 0', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\npriority=1\n[program:b]\ncommand=${FOREVER}\npriority=2\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: b entered RUNNING/);
  await daemon.waitForLog(/success: a entered RUNNING/);
  // no wrapper process: the pid in the pidfile is the pid we started
  assert.equal(readPid(path.join(dir, 'supervisord.pid')), daemon.child.pid);
  const programs = childPids(daemon.child.pid!);
  assert.equal(programs.length, 2);

  daemon.child.kill('SIGTERM');
  const { code } = await daemon.exited;
  assert.equal(code, 0);
  for (const pid of programs) assert.equal(isAlive(pid), false, `program pid ${pid} survived`);
  assert.equal(fs.existsSync(path.join(dir, 'supervisord.pid')), false, 'pidfile removed on exit');
  const log = daemon.mainLog();
  assert.match(log, /WARN received SIGTERM indicating exit request/);
  // reverse priority: b (2) stops before a (1)
  assert.ok(log.indexOf('stopped: b') < log.indexOf('stopped: a'), log);
  // the main log is echoed to stdout in the foreground
  assert.match(daemon.output(), /INFO spawned: 'a' with pid \d+/);
});

test('main log lines have 4.2.5\'s format', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\nstartsecs=0\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const line = await daemon.waitForLog(/^.*spawned: 'a' with pid \d+$/m);
  assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'a' with pid \d+$/);
  await daemon.waitForLog(/supervisord started with pid \d+/);
});

test('an invalid config is refused before anything starts: 4.2.5\'s message on stderr, exit 2', () => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:x]\ncommand=${FOREVER}\nautostart=maybe\n`);
  for (const args of [['-n', '-c', conf], ['-c', conf]]) {
    const r = spawnSync(process.execPath, [SUPERVISORD_BIN, ...args], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      `Error: not a valid boolean value: 'maybe' in section 'program:x' (file: '${conf}')\nFor help, use ${SUPERVISORD_BIN} -h\n`,
    );
  }
  assert.equal(fs.existsSync(path.join(dir, 'supervisord.pid')), false);
});

test('command-line errors and -v / -h', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [SUPERVISORD_BIN, ...args], { encoding: 'utf8' });
  const bogus = run('--bogus');
  assert.equal(bogus.status, 2);
  assert.equal(bogus.stderr, `Error: option --bogus not recognized\nFor help, use ${SUPERVISORD_BIN} -h\n`);
  const missing = run('-c', '/no/such/supervisord.conf');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^Error: could not find config file \/no\/such\/supervisord.conf\n/);
  const level = run('-e', 'loud', '-c', '/no/such/file');
  assert.equal(level.status, 2);
  assert.match(level.stderr, /^Error: invalid value for -e 'loud': bad logging level name 'loud'\n/);
  assert.equal(run('-v').stdout, '4.2.5\n');
  const help = run('-h');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^supervisord -- run a set of applications as daemons\./);
});

test('without -n supervisord goes to the background: the command returns 0 and the daemon runs on', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\n`);
  const r = spawnSync(process.execPath, [SUPERVISORD_BIN, '-c', conf], { encoding: 'utf8', cwd: dir, timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const pidfile = path.join(dir, 'supervisord.pid');
  const pid = readPid(pidfile);
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  assert.ok(isAlive(pid));
  const log = () => fs.readFileSync(path.join(dir, 'supervisord.log'), 'utf8');
  await waitFor(() => /success: a entered RUNNING/.test(log()), 10_000, 'a RUNNING');
  assert.match(log(), /INFO daemonizing the supervisord process/);
  // a new session: the daemon does not die with the terminal that started it
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  assert.equal(Number(fields[3]), pid, 'daemon is its own session leader');
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !isAlive(pid), 10_000, 'daemon exit');
  assert.equal(fs.existsSync(pidfile), false);
});

test('SIGHUP re-reads the config and starts over in the same pid; an invalid config then exits 2', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\nstartsecs=0\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: a entered RUNNING/);
  const [firstPid] = childPids(daemon.child.pid!);
  writeConfig(dir, `[program:a]\ncommand=${FOREVER}\nstartsecs=0\n[program:b]\ncommand=${FOREVER}\nstartsecs=0\n`);
  daemon.child.kill('SIGHUP');
  await daemon.waitForLog(/success: b entered RUNNING/);
  assert.match(daemon.mainLog(), /WARN received SIGHUP indicating restart request/);
  assert.equal(isAlive(firstPid!), false, 'old program stopped on reload');
  assert.equal(childPids(daemon.child.pid!).length, 2);
  assert.equal(readPid(path.join(dir, 'supervisord.pid')), daemon.child.pid, 'same daemon pid');

  fs.appendFileSync(conf, 'startsecs=abc\n');
  daemon.child.kill('SIGHUP');
  const { code } = await daemon.exited;
  assert.equal(code, 2);
  assert.match(daemon.output(), /Error: invalid literal for int\(\) with base 10: 'abc' in section 'program:b'/);
});

test('SIGUSR2 reopens the main log', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\nstartsecs=0\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: a entered RUNNING/);
  fs.renameSync(path.join(dir, 'supervisord.log'), path.join(dir, 'supervisord.log.old'));
  daemon.child.kill('SIGUSR2');
  // both lines end the old file, as in 4.2.5 (test/operations/main-log-parity.test.ts)
  const old = path.join(dir, 'supervisord.log.old');
  await waitFor(() => /INFO supervisord logreopen/.test(fs.readFileSync(old, 'utf8')), 10_000, 'logreopen in the old main log');
  assert.match(fs.readFileSync(old, 'utf8'), /received SIGUSR2 indicating log reopen request/);
  await waitFor(() => fs.existsSync(path.join(dir, 'supervisord.log')), 10_000, 'the new main log');
});

test('minfds within the hard limit: supervisord starts with at least minfds open files', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\nstartsecs=0\n`, 'minfds=2048\n');
  // Node itself raises its soft limit to the hard limit at startup, so no "Increased" line is needed
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: ['prlimit', '--nofile=512:4096'] });
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: a entered RUNNING/);
  const limits = fs.readFileSync(`/proc/${daemon.child.pid}/limits`, 'utf8');
  const soft = Number(/Max open files\s+(\d+)/.exec(limits)![1]);
  assert.ok(soft >= 2048, `soft limit ${soft}`);
});

test('minfds above the hard limit is refused with 4.2.5\'s message', () => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\n`, 'minfds=100000\n');
  const r = spawnSync('prlimit', ['--nofile=512:4096', process.execPath, SUPERVISORD_BIN, '-n', '-c', conf], { encoding: 'utf8', cwd: dir });
  // raising a hard limit needs CAP_SYS_RESOURCE; where we have it, the start succeeds instead
  if (r.status === 0 || r.signal) return;
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^Error: The minimum number of file descriptors required to run this process is 100000 as per the "minfds"/);
});

test('-u drops supervisord\'s own privileges to that user', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const dir = makeTempDir();
  fs.chmodSync(dir, 0o777);
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\nstartsecs=0\n`);
  fs.chmodSync(conf, 0o644);
  const daemon = startDaemon(dir, ['-n', '-u', 'nobody', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: a entered RUNNING/);
  assert.match(daemon.mainLog(), /INFO Set uid to user 65534 succeeded/);
  const status = fs.readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8');
  assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  const [program] = childPids(daemon.child.pid!);
  assert.match(fs.readFileSync(`/proc/${program}/status`, 'utf8'), /^Uid:\s+65534\s/m);
});

test('user= runs a program as that user; a non-root supervisord cannot switch and says so in the program log', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const dir = makeTempDir();
  fs.chmodSync(dir, 0o777);
  const asNobody = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\nstartsecs=0\nuser=nobody\n`);
  const root = startDaemon(dir, ['-n', '-c', asNobody]);
  t.after(() => root.stop());
  await root.waitForLog(/success: a entered RUNNING/);
  const [program] = childPids(root.child.pid!);
  assert.match(fs.readFileSync(`/proc/${program}/status`, 'utf8'), /^Uid:\s+65534\s+65534/m);
  await root.stop();

  const dir2 = makeTempDir();
  fs.chmodSync(dir2, 0o777);
  const conf = writeConfig(dir2, `[program:b]\ncommand=${FOREVER}\nuser=root\nstartretries=0\nstderr_logfile=${dir2}/b.err\n`);
  fs.chmodSync(conf, 0o644);
  const unprivileged = startDaemon(dir2, ['-n', '-u', 'nobody', '-c', conf]);
  t.after(() => unprivileged.stop());
  await unprivileged.waitForLog(/gave up: b entered FATAL state/);
  assert.equal(
    fs.readFileSync(path.join(dir2, 'b.err'), 'utf8'),
    "supervisor: couldn't setuid to 0: Can't drop privilege as nonroot user\nsupervisor: child process was not spawned\n",
  );
});

test('a main log that cannot be opened is refused with a clear message and exit 2 (4.2.5 dies with a traceback)', () => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:a]\ncommand=${FOREVER}\n`);
  fs.mkdirSync(path.join(dir, 'supervisord.log')); // a directory where the log file should be
  const r = spawnSync(process.execPath, [SUPERVISORD_BIN, '-n', '-c', conf], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `Error: cannot open the main log ${dir}/supervisord.log: EISDIR\nFor help, use ${SUPERVISORD_BIN} -h\n`);
});

test('the main log rotates at logfile_maxbytes and keeps logfile_backups copies, as 4.2.5 names them', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(
    dir,
    `[program:p]\ncommand=${FOREVER}\nprocess_name=p_%(process_num)s\nnumprocs=30\nstartsecs=0\n`,
    'logfile_maxbytes=1KB\nlogfile_backups=2\n',
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await waitFor(() => (daemon.output().match(/success: p_\d+ entered RUNNING/g) ?? []).length === 30, 10_000, 'all 30 RUNNING');
  await daemon.stop();
  const names = fs.readdirSync(dir).filter((n) => n.startsWith('supervisord.log')).sort();
  assert.deepEqual(names, ['supervisord.log', 'supervisord.log.1', 'supervisord.log.2']);
  for (const n of ['supervisord.log.1', 'supervisord.log.2']) {
    const size = fs.statSync(path.join(dir, n)).size;
    assert.ok(size >= 1024 && size < 1024 + 300, `${n} is ${size} bytes`);
  }
  // the newest lines are in the current file, the ones before them in .1
  const current = fs.readFileSync(path.join(dir, 'supervisord.log'), 'utf8');
  assert.match(current, /stopped: p_\d+/);
});

test('with nothing to run and no server, supervisord stays up and keeps answering signals', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:later]\ncommand=${FOREVER}\nautostart=false\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/supervisord started with pid/);
  // regression: Node used to end the process (exit 13) once its event loop had nothing left
  daemon.child.kill('SIGUSR2');
  await daemon.waitForLog(/supervisord logreopen/);
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited).code, 0);
});
