// stdout_syslog and logfile=syslog through Debian's rsyslog: a private rsyslogd (installed when
// missing) listens on a socket in a temp dir and writes what it receives to a file.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SYSLOG_SOCKET_ENV } from '../../src/output/syslog.js';
import { makeTempDir, startDaemon, waitFor } from '../helpers/daemon.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';
let dir: string;
let rsyslogd: ChildProcess;
let socket: string;
let received: string;

function ensureRsyslog(): void {
  if (fs.existsSync(RSYSLOGD)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'rsyslog'], { stdio: 'ignore', env });
}

before(async () => {
  ensureRsyslog();
  dir = makeTempDir('syslog-');
  socket = path.join(dir, 'log.sock');
  received = path.join(dir, 'received.log');
  const conf = path.join(dir, 'rsyslog.conf');
  fs.writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${socket}")`,
      'template(name="plain" type="string" string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\\n")',
      `*.* action(type="omfile" file="${received}" template="plain")`,
      '',
    ].join('\n'),
  );
  rsyslogd = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
  await waitFor(() => fs.existsSync(socket), 10_000, 'rsyslogd socket');
});

after(async () => {
  if (rsyslogd.exitCode === null && rsyslogd.signalCode === null) {
    const exited = new Promise((resolve) => rsyslogd.once('exit', resolve));
    rsyslogd.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const read = (): string => (fs.existsSync(received) ? fs.readFileSync(received, 'utf8') : '');

test('stdout_syslog and logfile=syslog reach rsyslog as 4.2.5 sends them: tag supervisord, user.info, "<name> <line>"', async () => {
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(runDir);
  const conf = path.join(runDir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    `[supervisord]\nlogfile=syslog\npidfile=${runDir}/supervisord.pid\nchildlogdir=${runDir}\n\n` +
      `[program:talker]\ncommand=sh -c 'echo hello syslog; printf "two\\\\nthree\\\\n"; echo oops >&2; exec sleep 1000'\n` +
      `stdout_syslog=true\nstdout_logfile=NONE\nstderr_syslog=true\nstderr_logfile=${runDir}/err.log\n`,
  );
  const daemon = startDaemon(runDir, ['-n', '-s', '-c', conf], { env: { ...process.env, [SYSLOG_SOCKET_ENV]: socket } });
  try {
    await waitFor(() => /success: talker entered RUNNING state/.test(read()) && read().includes('talker oops'), 15_000, `syslog lines\n${read()}`);
  } finally {
    await daemon.stop();
  }
  await waitFor(() => read().includes('stopped: talker (terminated by SIGTERM)'), 10_000, `the main log's last lines\n${read()}`);
  const lines = read().split('\n');
  for (const expected of ['user.info supervisord: talker hello syslog', 'user.info supervisord: talker two', 'user.info supervisord: talker three', 'user.info supervisord: talker oops']) {
    assert.ok(lines.includes(expected), `${expected}\n--- received:\n${read()}`);
  }
  assert.ok(lines.some((l) => /^user\.info supervisord: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'talker' with pid \d+$/.test(l)), read());
  assert.equal(fs.readFileSync(path.join(runDir, 'err.log'), 'utf8'), 'oops\n', 'the file log is written too');
  assert.ok(!fs.existsSync(path.join(runDir, 'syslog')), 'no file named "syslog"');
});
