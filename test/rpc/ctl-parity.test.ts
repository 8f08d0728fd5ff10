// The real supervisorctl runs every command of ctl.md against our daemon and against 4.2.5 on the
// same config and scenario; outputs (normalized) and exit codes must be identical.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ctlBoth, startParityPair, waitUntilRunning, type CtlOptions, type CtlResult, type ParityPair } from '../helpers/parity.js';

// startsecs=0 where a start must not depend on timing; names sort so `status` order is stable
const PROGRAMS = `
[program:cat]
command=/bin/cat
startsecs=0

[program:sleeper]
command=/bin/sleep 1000
startsecs=0

[program:echo]
command=/bin/sh -c "echo hello; echo oops >&2; exec sleep 1000"
startsecs=0

[program:manual]
command=/bin/sleep 1000
startsecs=0
autostart=false

[program:dies]
command=/bin/sh -c "exit 3"
startsecs=1
startretries=0
autostart=false

[program:notfound]
command=/no/such/file
autostart=false

[program:ga]
command=/bin/sleep 1000
startsecs=0

[program:gb]
command=/bin/sleep 1000
startsecs=0
autostart=false

[group:g]
programs=ga,gb
`;

// manual disappears, sleeper changes, newprog appears
const CHANGED_PROGRAMS = PROGRAMS.replace(
  /\[program:manual\][^[]*/,
  '[program:newprog]\ncommand=/bin/sleep 1000\nstartsecs=0\n\n',
).replace('command=/bin/sleep 1000\nstartsecs=0\n\n[program:echo]', 'command=/bin/sleep 999\nstartsecs=0\n\n[program:echo]');

function isGroupOperation(args: string[]): boolean {
  return args.length > 1 && (args.includes('all') || args.some((a) => a.endsWith(':*')));
}

const INET_AUTH = { username: 'admin', password: '{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4' }; // sha1("secret")

describe('supervisorctl 4.2.5 against ours and against 4.2.5', () => {
  let pair: ParityPair;

  before(async () => {
    pair = await startParityPair(PROGRAMS, { inetAuth: INET_AUTH });
  });
  after(async () => {
    await pair?.stop();
  });

  // lines of group and "all" operations come in completion order, which is timing in 4.2.5 too; so
  // is the exit status when failures of different kinds are reported (the last one decides it)
  const completionOrdered = (r: CtlResult): CtlResult => {
    const lines = r.stdout.split('\n');
    const failureKinds = new Set(lines.filter((l) => /ERROR|FAILED/.test(l)).map((l) => l.replace(/^[^:]+: /, '')));
    return { ...r, stdout: lines.sort().join('\n'), code: failureKinds.size > 1 && r.code !== 0 ? -1 : r.code };
  };

  async function same(args: string[], options: CtlOptions & { unordered?: boolean } = {}): Promise<void> {
    const { ours, reference } = await ctlBoth(pair, args, options);
    if (options.unordered) assert.deepEqual(completionOrdered(ours), completionOrdered(reference), `supervisorctl ${args.join(' ')}`);
    else assert.deepEqual(ours, reference, `supervisorctl ${args.join(' ')}`);
  }

  const commands: string[][] = [
    ['status'],
    ['status', 'cat'],
    ['status', 'nosuch', 'cat'],
    ['status', 'nosuch', 'manual'],
    ['status', 'g:*'],
    ['status', 'g:'],
    ['status', 'nosuch:*'],
    ['status', 'g'],
    ['status', 'all'],
    ['start'],
    ['start', 'nosuch'],
    ['start', 'nosuch:*'],
    ['start', 'manual'],
    ['start', 'manual'],
    ['start', 'notfound'],
    ['start', 'dies'],
    ['start', 'g:*'],
    ['status'],
    ['stop'],
    ['stop', 'manual'],
    ['stop', 'manual'],
    ['stop', 'nosuch'],
    ['stop', 'nosuch:*'],
    ['stop', 'g:*'],
    ['start', 'g:gb'],
    ['restart'],
    ['restart', 'cat'],
    ['restart', 'manual'],
    ['stop', 'manual'],
    ['signal'],
    ['signal', 'HUP'],
    ['signal', 'WINCH', 'sleeper'],
    ['signal', 'BOGUS', 'sleeper'],
    ['signal', 'WINCH', 'manual'],
    ['signal', 'WINCH', 'nosuch'],
    ['signal', 'WINCH', 'nosuch:*'],
    ['signal', 'WINCH', 'g:*'],
    ['tail', 'echo'],
    ['tail', '-100', 'echo', 'stderr'],
    ['tail', '-3', 'echo'],
    ['tail', 'nosuch'],
    ['tail'],
    ['tail', '-f'],
    ['tail', 'a', 'b', 'c', 'd'],
    ['tail', '-x', 'echo'],
    ['tail', 'echo', 'bogus'],
    ['tail', 'manual', 'stderr'],
    ['maintail', 'x'],
    ['maintail', '-x'],
    ['maintail', 'a', 'b'],
    ['pid'],
    ['pid', 'all'],
    ['pid', 'cat'],
    ['pid', 'manual'],
    ['pid', 'nosuch'],
    ['clear', 'echo'],
    ['tail', 'echo'],
    ['clear', 'nosuch'],
    ['clear'],
    ['clear', 'all'],
    ['avail'],
    ['reread'],
    ['reread', 'x'],
    ['add', 'nosuch'],
    ['add', 'cat'],
    ['remove', 'nosuch'],
    ['remove', 'cat'],
    ['update'],
    ['update', 'nosuch'],
    ['version'],
    ['version', 'x'],
    ['help'],
    ['help', 'start'],
    ['help', 'nosuch'],
    ['foo'],
    ['quit'],
    ['shutdown', 'x'],
    ['reload', 'x'],
    ['fg'],
    ['fg', 'a', 'b'],
    ['fg', 'nosuch'],
    ['fg', 'manual'],
    ['status'],
  ];
  for (const args of commands) {
    test(`supervisorctl ${args.join(' ')}`, () => same(args, { unordered: isGroupOperation(args) }));
  }

  test('the interactive shell reading commands from a pipe', () =>
    same([], { stdin: 'status cat\nfoo\n\nhelp exit\nversion\nstatus nosuch\nquit\n' }));

  test('over inet with a {SHA} password', () => same(['status'], { via: 'inet', auth: { username: 'admin', password: 'secret' } }));
  test('over inet with a wrong password: 401', () => same(['status'], { via: 'inet', auth: { username: 'admin', password: 'wrong' } }));
  test('over inet without credentials: 401', () => same(['version'], { via: 'inet' }));

  describe('after the config file changed', () => {
    before(() => {
      for (const daemon of pair.both) daemon.writeConfig(CHANGED_PROGRAMS);
    });
    for (const args of [
      ['avail'],
      ['reread'],
      ['avail'],
      ['add', 'newprog'],
      ['add', 'newprog'],
      ['remove', 'newprog'],
      ['stop', 'newprog'],
      ['remove', 'newprog'],
      ['update', 'newprog'],
      ['update'],
      ['update'],
      ['status'],
      ['stop', 'all'],
      ['start', 'all'],
      ['avail'],
    ]) {
      test(`supervisorctl ${args.join(' ')}`, () => same(args, { unordered: isGroupOperation(args) }));
    }
    test('a broken config: reread and update report CANT_REREAD', async () => {
      for (const daemon of pair.both) daemon.writeConfig(`${CHANGED_PROGRAMS}\n[program:broken]\ncommand=/bin/true\nautostart=maybe\n`);
      await same(['reread']);
      await same(['update']);
      for (const daemon of pair.both) daemon.writeConfig(CHANGED_PROGRAMS);
    });
  });

  test('reload restarts the daemon, which serves the same programs again', async () => {
    await same(['reload']);
    await Promise.all(pair.both.map((d) => waitUntilRunning(d)));
    await same(['status', 'cat']);
  });

  test('shutdown, then the socket is gone', async () => {
    await same(['shutdown']);
    await Promise.all(pair.both.map((d) => new Promise((r) => (d.child.exitCode !== null ? r(null) : d.child.once('exit', r)))));
    await same(['status']);
    await same(['shutdown']);
  });
});
