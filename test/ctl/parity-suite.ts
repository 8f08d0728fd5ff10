// Every supervisorctl command through OUR client and the real 4.2.5 client against the same
// supervisord: the same output (modulo pids, uptimes, dates, temp paths) and exit status.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normalize, PASSWORD, runCtl, startRealDaemon, USER, type CtlRun, type RealDaemon } from './real-daemon.js';

interface Scenario {
  /** words after the options */
  cmd: string[];
  /** real-client commands run before each client's run, so both start from the same state */
  setup?: string[][];
  /** compare lines as a set (results that arrive in completion order) */
  unordered?: boolean;
  stdin?: string;
}

let daemon: RealDaemon;

function comparable(run: CtlRun, unordered: boolean): { stdout: string; stderr: string; code: number | null } {
  const stdout = normalize(run.stdout, daemon.dir);
  return {
    stdout: unordered ? stdout.split('\n').sort().join('\n') : stdout,
    stderr: normalize(run.stderr, daemon.dir),
    code: run.code,
  };
}

async function bothAgree(options: string[], scenario: Scenario): Promise<CtlRun> {
  const runs: CtlRun[] = [];
  for (const which of ['real', 'ours'] as const) {
    for (const step of scenario.setup ?? []) await runCtl('real', ['-c', daemon.conf, ...step], { cwd: daemon.dir });
    runs.push(await runCtl(which, [...options, ...scenario.cmd], { cwd: daemon.dir, stdin: scenario.stdin ?? '' }));
  }
  const [real, ours] = runs as [CtlRun, CtlRun];
  assert.deepEqual(comparable(ours, scenario.unordered ?? false), comparable(real, scenario.unordered ?? false));
  return ours;
}

/** Read-only or self-restoring scenarios, each run over the unix socket from [supervisorctl]. */
const SCENARIOS: Scenario[] = [
  // status
  { cmd: ['status'] },
  { cmd: ['status', 'all'] },
  { cmd: ['status', 'cat'] },
  { cmd: ['status', 'cat', 'nosuch'] },
  { cmd: ['status', 'nosuch', 'idle'] },
  { cmd: ['status', 'multi:*'] },
  { cmd: ['status', 'multi:'] },
  { cmd: ['status', 'multi'] },
  { cmd: ['status', 'nosuchgroup:*'] },
  { cmd: ['status', 'multi:multi_01', 'idle'] },
  // version, help, unknown syntax, shell-only commands used once
  { cmd: ['version'] },
  { cmd: ['version', 'x'] },
  { cmd: ['help'] },
  ...['add', 'avail', 'clear', 'exit', 'fg', 'help', 'maintail', 'open', 'pid', 'quit', 'reload', 'remove', 'reread', 'restart', 'shutdown', 'signal', 'start', 'status', 'stop', 'tail', 'update', 'version', 'EOF', 'nosuch'].map(
    (topic) => ({ cmd: ['help', topic] }),
  ),
  { cmd: ['?'] },
  { cmd: ['foo'] },
  { cmd: ['foo-bar', 'x'] },
  { cmd: ['!ls'] },
  { cmd: ['quit'] },
  { cmd: ['exit'] },
  { cmd: ['EOF'] },
  { cmd: ['open', 'ftp://x'] },
  // pid
  { cmd: ['pid'] },
  { cmd: ['pid', 'all'] },
  { cmd: ['pid', 'cat'] },
  { cmd: ['pid', 'idle'] },
  { cmd: ['pid', 'nosuch'] },
  { cmd: ['pid', 'cat', 'nosuch', 'idle'] },
  // tail / maintail
  { cmd: ['tail', 'out'] },
  { cmd: ['tail', 'out', 'stderr'] },
  { cmd: ['tail', 'out', 'STDERR'] },
  { cmd: ['tail', '-3', 'out'] },
  { cmd: ['tail', '-3', 'out', 'stderr'] },
  { cmd: ['tail'] },
  { cmd: ['tail', '-f'] },
  { cmd: ['tail', 'a', 'b', 'c', 'd'] },
  { cmd: ['tail', '-x', 'out'] },
  { cmd: ['tail', 'out', 'bogus'] },
  { cmd: ['tail', 'nosuch'] },
  { cmd: ['tail', 'nolog'] },
  { cmd: ['tail', '-f', 'nosuch'] },
  { cmd: ['maintail', '-x'] },
  { cmd: ['maintail', 'x'] },
  { cmd: ['maintail', 'a', 'b'] },
  // config
  { cmd: ['avail'] },
  { cmd: ['avail', 'x'] },
  { cmd: ['reread'] },
  { cmd: ['reread', 'x'] },
  { cmd: ['add', 'nosuch'] },
  { cmd: ['add', 'cat'] },
  { cmd: ['remove', 'nosuch'] },
  { cmd: ['remove', 'cat'] },
  { cmd: ['update', 'nosuch'] },
  { cmd: ['update'] },
  { cmd: ['shutdown', 'x'] },
  { cmd: ['reload', 'x'] },
  // start
  { cmd: ['start'] },
  { cmd: ['start', 'nosuch'] },
  { cmd: ['start', 'nosuchgroup:*'] },
  { cmd: ['start', 'cat'] },
  { cmd: ['start', 'nofile'] },
  { cmd: ['start', 'multi:*'] },
  { cmd: ['start', 'quick'] },
  { cmd: ['start', 'nosuch', 'cat'] },
  { cmd: ['start', 'idle'], setup: [['stop', 'idle']] },
  { cmd: ['start', 'idle', 'nofile'], setup: [['stop', 'idle']] },
  // stop
  { cmd: ['stop'] },
  { cmd: ['stop', 'nosuch'] },
  { cmd: ['stop', 'nosuchgroup:*'] },
  { cmd: ['stop', 'idle'], setup: [['stop', 'idle']] },
  { cmd: ['stop', 'idle'], setup: [['start', 'idle']] },
  { cmd: ['stop', 'multi:*'], setup: [['start', 'multi:*']], unordered: true },
  { cmd: ['status'] },
  { cmd: ['start', 'multi:*'], setup: [['stop', 'multi:*']], unordered: true },
  { cmd: ['stop', 'idle', 'multi:multi_00'], setup: [['start', 'idle', 'multi:multi_00']] },
  { cmd: ['start', 'multi:multi_00'], setup: [['stop', 'multi:multi_00']] },
  // restart
  { cmd: ['restart'] },
  { cmd: ['restart', 'idle'], setup: [['start', 'idle']] },
  { cmd: ['restart', 'idle'], setup: [['stop', 'idle']] },
  { cmd: ['restart', 'nosuch'] },
  // signal
  { cmd: ['signal'] },
  { cmd: ['signal', 'HUP'] },
  { cmd: ['signal', 'BOGUS', 'cat'] },
  { cmd: ['signal', 'CONT', 'cat'] },
  { cmd: ['signal', 'CONT', 'multi:*'], unordered: true },
  { cmd: ['signal', 'CONT', 'idle'], setup: [['stop', 'idle']] },
  { cmd: ['signal', 'CONT', 'nosuch'] },
  { cmd: ['signal', 'CONT', 'nosuchgroup:*'] },
  { cmd: ['signal', 'BOGUS', 'multi:*'], unordered: true },
  // clear
  { cmd: ['clear'] },
  { cmd: ['clear', 'nosuch'] },
  { cmd: ['clear', 'nolog'] },
  { cmd: ['clear', 'idle'] },
  // fg argument checks
  { cmd: ['fg'] },
  { cmd: ['fg', 'a', 'b'] },
  { cmd: ['fg', 'nosuch'] },
  { cmd: ['fg', 'idle'], setup: [['stop', 'idle']] },
  // status after all of the above (stopped and fatal descriptions)
  { cmd: ['status'] },
  { cmd: ['status', 'quick', 'nofile'] },
];

/**
 * Half of the suite against one daemon: the real supervisord 4.2.5, or ours. Part 1 is the first
 * half of the scenarios, part 2 the rest and the sessions; two files, so that each stays far from
 * the runner's per-file time limit on a slow machine.
 */
export function defineParitySuite(kind: 'real' | 'ours', part: 1 | 2): void {
  const half = Math.ceil(SCENARIOS.length / 2);
  const scenarios = part === 1 ? SCENARIOS.slice(0, half) : SCENARIOS.slice(half);
  describe(`supervisorctl parity with 4.2.5 against the ${kind === 'real' ? 'real supervisord 4.2.5' : 'supervisor-ts supervisord'} (part ${part})`, { concurrency: false }, () => {
    before(async () => {
      daemon = await startRealDaemon('', kind);
    });
    after(async () => {
      await daemon?.stop();
    });

    for (const scenario of scenarios) {
      test(`unix: ${scenario.cmd.join(' ') || '(none)'}${scenario.setup ? ` after ${scenario.setup.map((s) => s.join(' ')).join('; ')}` : ''}`, async () => {
        await bothAgree(['-c', daemon.conf], scenario);
      });
    }

    if (part === 2) {
      test('inet: status, version, tail and stop/start over http://127.0.0.1 with -s -u -p', async () => {
        const inet = ['-s', `http://127.0.0.1:${daemon.port}`, '-u', USER, '-p', PASSWORD];
        for (const cmd of [['status'], ['version'], ['tail', 'out'], ['pid', 'nosuch'], ['avail'], ['start', 'nosuch']]) await bothAgree(inet, { cmd });
        await bothAgree(inet, { cmd: ['stop', 'idle'], setup: [['start', 'idle']] });
      });

      test('a wrong password gets 401 over both transports, printed as 4.2.5 prints it', async () => {
        const expected = /^Server requires authentication\nerror: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1\/RPC2: 401 Unauthorized>: file: \/usr\/lib\/python3\/dist-packages\/supervisor\/xmlrpc.py line: 539\n$/;
        for (const cmd of [['status'], ['avail'], ['version'], ['reread'], ['tail', 'out']]) {
          for (const options of [['-c', daemon.conf, '-p', 'wrong'], ['-s', `http://127.0.0.1:${daemon.port}`, '-u', USER, '-p', 'wrong']]) {
            const ours = await bothAgree(options, { cmd });
            assert.match(ours.stdout, expected);
            assert.equal(ours.code, 1);
          }
        }
      });

      test('unreachable servers: refused TCP port, missing unix socket, unknown host', async () => {
        const gone = path.join(daemon.dir, 'nosuch.sock');
        for (const url of ['http://127.0.0.1:1', `unix://${gone}`]) {
          for (const cmd of [['status'], ['version'], ['start', 'x'], ['avail'], ['reread'], ['update'], ['add', 'x'], ['shutdown'], ['reload'], ['pid']]) {
            await bothAgree(['-s', url], { cmd });
          }
        }
      });

      test('options: usage errors, -h, -i with an action, unknown options after the action', async () => {
        const noCtlSection = path.join(daemon.dir, 'no-ctl.conf');
        fs.writeFileSync(noCtlSection, '[supervisord]\n');
        for (const cmd of [
          ['-h'],
          ['--help'],
          ['-s', 'foo', 'status'],
          ['--bogus'],
          ['--history-file=x'],
          ['-c', path.join(daemon.dir, 'missing.conf'), 'status'],
          ['-c', noCtlSection, 'status'],
          ['-c', daemon.conf, '-c', daemon.conf, 'status'],
          ['-c', daemon.conf, '-i', 'version'],
          ['-c', daemon.conf, 'stop', 'nosuch', '-i'],
          ['-c', daemon.conf, '--serv', `unix://${daemon.socket}`, '--user', USER, '--pass', PASSWORD, 'version'],
        ]) {
          await bothAgree([], { cmd });
        }
      });

      test('interactive shell with piped input: the same transcript, exit 0', async () => {
        const stdin = 'status cat\nfoo\n\nhelp exit\nversion\nstatus nosuch\n?\nstart nosuch\nshutdown\nn\nreload\nno\nquit\n';
        await bothAgree(['-c', daemon.conf], { cmd: [], stdin });
        await bothAgree(['-c', daemon.conf], { cmd: [], stdin: 'version\n' }); // EOF ends the shell
      });

      test('config changes: reread, avail, add, remove, update with a new and a changed program', async () => {
        daemon.writeConfig('\n[program:newprog]\ncommand=sleep 1000\nautostart=false\n');
        await bothAgree(['-c', daemon.conf], { cmd: ['reread'] });
        await bothAgree(['-c', daemon.conf], { cmd: ['avail'] });
        await bothAgree(['-c', daemon.conf], { cmd: ['add', 'newprog'], setup: [['remove', 'newprog']] });
        await bothAgree(['-c', daemon.conf], { cmd: ['add', 'newprog'] });
        await bothAgree(['-c', daemon.conf], { cmd: ['remove', 'newprog'], setup: [['add', 'newprog']] });
        await bothAgree(['-c', daemon.conf], { cmd: ['update'], setup: [['remove', 'newprog']] });
        await bothAgree(['-c', daemon.conf], { cmd: ['update', 'newprog', 'nosuch'], setup: [['remove', 'newprog']] });
        await bothAgree(['-c', daemon.conf], { cmd: ['update', 'all'], setup: [['remove', 'newprog']] });
        daemon.writeConfig('\n[program:newprog]\ncommand=sleep 999\nautostart=false\n');
        await bothAgree(['-c', daemon.conf], { cmd: ['reread'] });
        await bothAgree(['-c', daemon.conf], { cmd: ['update', 'newprog'], setup: [['update', 'newprog']] });
        daemon.writeConfig('\n[program:broken]\nautostart=maybe\ncommand=x\n');
        await bothAgree(['-c', daemon.conf], { cmd: ['reread'] });
        await bothAgree(['-c', daemon.conf], { cmd: ['update'] });
        daemon.writeConfig('');
        await bothAgree(['-c', daemon.conf], { cmd: ['update'], setup: [['update', 'newprog']] });
      });
    }
  });
}
