// Spawn steps and spawn errors (states.md 6) and the child log files, with real children.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ProcessState } from '../../src/process/states.js';
import { fixture, processConfig, programGroup } from '../helpers/process-config.js';
import { waitFor, withHarness, type Harness } from '../helpers/supervisor-harness.js';

async function fileContains(file: string, text: string): Promise<string> {
  await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text), 5000, `${file} to contain ${text}`);
  return fs.readFileSync(file, 'utf8');
}

async function spawnErrorOf(h: Harness, name: string): Promise<string> {
  await h.waitForState(name, ProcessState.FATAL, 5000);
  return h.supervisor.resolve(name).process!.getInfo().description;
}

test('parent-side spawn errors: BACKOFF -> FATAL with 4.2.5\'s spawnerr texts', () =>
  withHarness(async (h) => {
    const plain = path.join(h.dir, 'plain.sh');
    fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    const bad = (name: string, command: string) => programGroup(processConfig(name, { command, startretries: 0 }));
    h.run([
      bad('missing', '/no/such/file'),
      bad('noexec', plain),
      bad('isdir', h.dir),
      bad('empty', ''),
      bad('quote', '/bin/echo "oops'),
    ]);
    assert.equal(await spawnErrorOf(h, 'missing'), "can't find command '/no/such/file'");
    assert.equal(await spawnErrorOf(h, 'noexec'), `command at '${plain}' is not executable`);
    assert.equal(await spawnErrorOf(h, 'isdir'), `command at '${h.dir}' is a directory`);
    assert.equal(await spawnErrorOf(h, 'empty'), 'command is empty');
    assert.equal(await spawnErrorOf(h, 'quote'), `can't parse command '/bin/echo "oops': No closing quotation`);
    assert.equal(h.logged("INFO spawnerr: can't find command '/no/such/file'").length, 1);
    assert.deepEqual(h.statesOf('missing'), ['STARTING', 'BACKOFF', 'FATAL']);
    await assert.rejects(h.supervisor.startProcess('missing'), { code: 'NO_FILE', message: "NO_FILE: can't find command '/no/such/file'" });
    await assert.rejects(h.supervisor.startProcess('isdir'), { code: 'NOT_EXECUTABLE' });
    await assert.rejects(h.supervisor.startProcess('quote'), { code: 'NOT_EXECUTABLE' });
  }));

test('a missing directory= writes 4.2.5\'s child bytes to the stderr log and fails the start', () =>
  withHarness(async (h) => {
    const stderrLog = path.join(h.dir, 'nodir.err');
    const missing = path.join(h.dir, 'no-such-dir');
    h.run([programGroup(processConfig('nodir', { directory: missing, startretries: 0, stderr_logfile: stderrLog }))]);
    assert.equal(await spawnErrorOf(h, 'nodir'), 'Exited too quickly (process log may have details)');
    assert.equal(
      await fileContains(stderrLog, 'not spawned'),
      `supervisor: couldn't chdir to ${missing}: ENOENT\nsupervisor: child process was not spawned\n`,
    );
    assert.equal(h.logged(`spawnerr: couldn't chdir to ${missing}: ENOENT`).length, 1);
  }));

test('environment, argv, directory and umask reach the child', () =>
  withHarness(async (h) => {
    const out = (name: string) => path.join(h.dir, `${name}.out`);
    const created = path.join(h.dir, 'made-by-child');
    h.run(
      [
        programGroup(processConfig('env', {
          command: `${fixture('print-env.sh')} SUPERVISOR_ENABLED SUPERVISOR_PROCESS_NAME SUPERVISOR_GROUP_NAME SUPERVISOR_SERVER_URL FROM_DAEMON FROM_CONFIG`,
          environment: { FROM_CONFIG: 'config value' },
          stdout_logfile: out('env'),
        })),
        programGroup(processConfig('argv', {
          command: `${fixture('print-cwd-argv.sh')} "two words" 'single\\q' plain`,
          directory: h.dir,
          stdout_logfile: out('argv'),
        })),
        programGroup(processConfig('umask', { command: `${fixture('touch-file.sh')} ${created}`, umask: 0o077 })),
      ],
      { env: { PATH: process.env.PATH, FROM_DAEMON: 'daemon value' }, config: (c) => (c.server.serverurl = 'unix:///tmp/x.sock') },
    );
    const env = await fileContains(out('env'), 'FROM_CONFIG=');
    assert.equal(
      env,
      'SUPERVISOR_ENABLED=1\nSUPERVISOR_PROCESS_NAME=env\nSUPERVISOR_GROUP_NAME=env\nSUPERVISOR_SERVER_URL=unix:///tmp/x.sock\nFROM_DAEMON=daemon value\nFROM_CONFIG=config value\n',
    );
    const argv = await fileContains(out('argv'), 'arg:plain');
    assert.equal(argv, `${fs.realpathSync(h.dir)}\narg:two words\narg:single\\q\narg:plain\n`);
    await waitFor(() => fs.existsSync(created), 5000, 'the child to create its file');
    assert.equal(fs.statSync(created).mode & 0o777, 0o600);
  }));

test('stdout and stderr logs, redirect_stderr, NONE', () =>
  withHarness(async (h) => {
    const file = (name: string) => path.join(h.dir, name);
    h.run([
      programGroup(processConfig('split', { command: fixture('echo-streams.sh'), stdout_logfile: file('split.out'), stderr_logfile: file('split.err') })),
      programGroup(processConfig('merged', { command: fixture('echo-streams.sh'), stdout_logfile: file('merged.out'), stderr_logfile: file('merged.err'), redirect_stderr: true })),
      programGroup(processConfig('none', { command: fixture('echo-streams.sh') })),
    ]);
    assert.equal(await fileContains(file('split.out'), 'out-line'), 'out-line\n');
    assert.equal(await fileContains(file('split.err'), 'err-line'), 'err-line\n');
    const merged = await fileContains(file('merged.out'), 'err-line');
    assert.deepEqual(merged.split('\n').sort(), ['', 'err-line', 'out-line']);
    assert.equal(fs.existsSync(file('merged.err')), false);
    await h.waitForState('none', ProcessState.RUNNING);
    assert.equal(h.supervisor.resolve('none').process!.getInfo().stdout_logfile, '');
  }));

test('AUTO logs are named as 4.2.5 names them and old ones are cleaned at start unless nocleanup', () =>
  withHarness(async (h) => {
    const old = path.join(h.dir, 'gone-stdout---supervisor-abc12345.log');
    const rotated = `${old}.3`;
    const other = path.join(h.dir, 'keep-me.log');
    for (const f of [old, rotated, other]) fs.writeFileSync(f, 'x');
    h.run([programGroup(processConfig('auto', { command: fixture('echo-streams.sh'), stdout_logfile: 'AUTO', stderr_logfile: 'AUTO' }))]);
    assert.equal(fs.existsSync(old), false);
    assert.equal(fs.existsSync(rotated), false);
    assert.equal(fs.existsSync(other), true);
    const info = h.supervisor.resolve('auto').process!.getInfo();
    assert.match(path.basename(info.stdout_logfile), /^auto-stdout---supervisor-[a-z0-9_]{8}\.log$/);
    assert.match(path.basename(info.stderr_logfile), /^auto-stderr---supervisor-[a-z0-9_]{8}\.log$/);
    assert.equal(info.logfile, info.stdout_logfile);
    assert.equal(await fileContains(info.stdout_logfile, 'out-line'), 'out-line\n');
  }));

test('nocleanup keeps the old AUTO logs', () =>
  withHarness(async (h) => {
    const old = path.join(h.dir, 'gone-stdout---supervisor-abc12345.log');
    fs.writeFileSync(old, 'x');
    h.run([], { config: (c) => (c.supervisord.nocleanup = true) });
    assert.equal(fs.existsSync(old), true);
  }));
