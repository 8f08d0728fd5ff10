import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CommandError, pythonRepr, resolveCommand, searchPath, shlexSplit } from '../../src/process/command.js';
import { childEnvironment } from '../../src/process/environment.js';
import { describeSignal, signalNumber } from '../../src/process/signals.js';
import { splitNamespec } from '../../src/process/namespec.js';
import { formatUptime } from '../../src/process/process-info.js';

test('shlexSplit matches Python shlex.split on quotes and backslashes', () => {
  // expected values printed by python3 -c 'import shlex; print(shlex.split(s))'
  const cases: [string, string[]][] = [
    ['a b', ['a', 'b']],
    ['a "b c" d', ['a', 'b c', 'd']],
    ["a 'b\\ c'", ['a', 'b\\ c']],
    ['a "b\\"c\\\\d\\e"', ['a', 'b"c\\d\\e']],
    ['a\\ b', ['a b']],
    ['""', ['']],
    ['a "" b', ['a', '', 'b']],
    ['x"y"z', ['xyz']],
    ['  ', []],
    ['a\\\\', ['a\\']],
    ['/usr/sbin/nginx -g "daemon off;"', ['/usr/sbin/nginx', '-g', 'daemon off;']],
    ['\ta\n b\r', ['a', 'b']],
  ];
  for (const [input, expected] of cases) assert.deepEqual(shlexSplit(input), expected, input);
});

test('shlexSplit raises Python\'s messages for an open quote and a trailing backslash', () => {
  assert.throws(() => shlexSplit('a "b'), { message: 'No closing quotation' });
  assert.throws(() => shlexSplit("a 'b"), { message: 'No closing quotation' });
  assert.throws(() => shlexSplit('a \\'), { message: 'No escaped character' });
});

test('pythonRepr quotes as Python repr does', () => {
  assert.equal(pythonRepr('/no/such'), "'/no/such'");
  assert.equal(pythonRepr("it's"), '"it\'s"');
  assert.equal(pythonRepr('a"b\'c'), "'a\"b\\'c'");
  assert.equal(pythonRepr('a\\b\n'), "'a\\\\b\\n'");
});

test('resolveCommand gives 4.2.5\'s spawnerr texts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-cmd-'));
  try {
    const plain = path.join(dir, 'plain.sh');
    fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    const expectError = (command: string, kind: string, message: string): void =>
      assert.throws(() => resolveCommand(command, ['/bin']), (err: unknown) => {
        assert.ok(err instanceof CommandError);
        assert.equal(err.kind, kind);
        assert.equal(err.message, message);
        return true;
      });
    expectError('/no/such/file', 'not-found', "can't find command '/no/such/file'");
    expectError('nosuchprogram-xyz', 'not-found', "can't find command 'nosuchprogram-xyz'");
    expectError(plain, 'not-executable', `command at '${plain}' is not executable`);
    expectError(dir, 'not-executable', `command at '${dir}' is a directory`);
    expectError('', 'bad-command', 'command is empty');
    expectError('   ', 'bad-command', 'command is empty');
    expectError('/bin/echo "oops', 'bad-command', `can't parse command '/bin/echo "oops': No closing quotation`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('resolveCommand searches PATH for a bare name and keeps argv[0] as written', () => {
  assert.deepEqual(resolveCommand('sh -c "echo hi"', ['/nonexistent', '/bin']), { filename: '/bin/sh', argv: ['sh', '-c', 'echo hi'] });
});

test('searchPath: the program environment PATH, else the daemon PATH, else the default', () => {
  assert.deepEqual(searchPath({ PATH: '/a:/b' }, { PATH: '/c' }), ['/a', '/b']);
  assert.deepEqual(searchPath({}, { PATH: '/c:/d' }), ['/c', '/d']);
  assert.deepEqual(searchPath({}, {}), ['/bin', '/usr/bin', '/usr/local/bin']);
});

test('childEnvironment layers daemon env, SUPERVISOR_* and the config environment on top', () => {
  const env = childEnvironment({
    daemonEnv: { HOME: '/root', KEEP: 'x' },
    serverUrl: 'unix:///tmp/s.sock',
    processName: 'web_0',
    groupName: 'web',
    environment: { KEEP: 'overridden', SUPERVISOR_GROUP_NAME: 'mine' },
  });
  assert.deepEqual(env, {
    HOME: '/root',
    KEEP: 'overridden',
    SUPERVISOR_ENABLED: '1',
    SUPERVISOR_SERVER_URL: 'unix:///tmp/s.sock',
    SUPERVISOR_PROCESS_NAME: 'web_0',
    SUPERVISOR_GROUP_NAME: 'mine',
  });
  assert.equal(childEnvironment({ daemonEnv: {}, serverUrl: null, processName: 'a', groupName: 'a', environment: {} }).SUPERVISOR_SERVER_URL, undefined);
});

test('signal names and numbers as 4.2.5 prints them', () => {
  assert.equal(signalNumber('TERM'), 15);
  assert.equal(signalNumber('sigkill'), 9);
  assert.equal(signalNumber('1'), 1);
  assert.equal(signalNumber('NOPE'), null);
  assert.equal(describeSignal(15), 'SIGTERM');
  assert.equal(describeSignal('IOT'), 'SIGABRT');
  assert.equal(describeSignal(40), 'signal 40');
});

test('namespecs and uptime formatting', () => {
  assert.deepEqual(splitNamespec('web'), { group: 'web', process: 'web' });
  assert.deepEqual(splitNamespec('g:a'), { group: 'g', process: 'a' });
  assert.deepEqual(splitNamespec('g:*'), { group: 'g', process: null });
  assert.deepEqual(splitNamespec('g:'), { group: 'g', process: null });
  assert.equal(formatUptime(5), '0:00:05');
  assert.equal(formatUptime(3723), '1:02:03');
  assert.equal(formatUptime(86400 + 61), '1 day, 0:01:01');
  assert.equal(formatUptime(2 * 86400), '2 days, 0:00:00');
});
