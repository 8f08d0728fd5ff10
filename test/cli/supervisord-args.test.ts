// supervisord's command line against Python's own getopt with 4.2.5's option table: the same
// parse and the same error text for every case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getopt, GetoptError } from '../../src/cli/getopt.js';
import { parseSupervisordArgs, UsageError } from '../../src/cli/supervisord-args.js';

const SHORT = 'c:h?vnu:m:d:l:y:z:e:j:i:q:a:kts';
const LONG = [
  'configuration=', 'help', 'version', 'nodaemon', 'user=', 'umask=', 'directory=', 'logfile=',
  'logfile_maxbytes=', 'logfile_backups=', 'loglevel=', 'pidfile=', 'identifier=', 'childlogdir=',
  'minfds=', 'minprocs=', 'nocleanup', 'strip_ansi', 'profile_options=', 'silent',
];

function pythonGetopt(argv: string[]): unknown {
  const script =
    'import getopt, json, sys\n' +
    'try:\n' +
    `    o, a = getopt.getopt(json.loads(sys.argv[1]), ${JSON.stringify(SHORT)}, json.loads(sys.argv[2]))\n` +
    '    print(json.dumps({"options": o, "args": a}))\n' +
    'except getopt.GetoptError as e:\n' +
    '    print(json.dumps({"error": str(e)}))\n';
  const out = execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify(argv), JSON.stringify(LONG)], { encoding: 'utf8' });
  return JSON.parse(out);
}

function ours(argv: string[]): unknown {
  try {
    return getopt(argv, SHORT, LONG);
  } catch (err) {
    if (err instanceof GetoptError) return { error: err.message };
    throw err;
  }
}

const CASES: string[][] = [
  ['-n', '-c', '/etc/s.conf'],
  ['-nc/etc/s.conf'],
  ['-cfile', 'positional', '-n'],
  ['--config=/x'],
  ['--configuration', '/x'],
  ['--nod'],
  ['--log', 'x'],
  ['--logfile', 'x', '--logfile_b=3'],
  ['--min=3'],
  ['--bogus'],
  ['-x'],
  ['-c'],
  ['--configuration'],
  ['--nodaemon=1'],
  ['-n', '--', '-c', 'x'],
  ['-', '-n'],
  ['-e', 'debug', '-s', '-k', '-t', '-a', '100', '--minprocs', '7'],
  [],
];

test('getopt parses 4.2.5 command lines exactly as Python getopt does', () => {
  for (const argv of CASES) {
    const expected = pythonGetopt(argv) as { options?: [string, string][]; args?: string[]; error?: string };
    const actual = ours(argv) as typeof expected;
    assert.deepEqual(actual, expected, `argv ${JSON.stringify(argv)}`);
  }
});

test('supervisord options map onto [supervisord] keys', () => {
  const args = parseSupervisordArgs(['-n', '-c', 'a.conf', '-e', 'debug', '--logfile=/tmp/x.log', '-k']);
  assert.equal(args.configFile, 'a.conf');
  assert.deepEqual(args.overrides, { nodaemon: true, loglevel: 'debug', logfile: '/tmp/x.log', nocleanup: true });
});

test('supervisord usage errors carry 4.2.5 messages', () => {
  const message = (argv: string[]): string => {
    try {
      parseSupervisordArgs(argv);
    } catch (err) {
      assert.ok(err instanceof UsageError);
      return err.message;
    }
    return 'no error';
  };
  assert.equal(message(['--bogus']), 'option --bogus not recognized');
  assert.equal(message(['-n', '-n']), "conflicting command line option '-n'");
  assert.equal(message(['-c', 'a', '--configuration=b']), "conflicting command line option '--configuration'");
  assert.equal(message(['foo']), "positional arguments are not supported: ['foo']");
});
