// rlimit_* keys (beyond 4.2.5): the program sees its limits in /proc/self/limits from its first
// instruction, in its own pid (the shell that sets them execs it), on every start path: posix_spawn,
// child_process.spawn (a command name without a slash), and a daemon without koffi. A value the
// daemon could never give is a config error naming the key and section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { expectProgramConfigError, FIXTURES, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { daemonWithoutKoffi } from '../helpers/without-koffi.js';
import { currentLimit, RLIMIT_KINDS } from '../../src/util/resource-limits.js';

const RPC = `[unix_http_server]\nfile=%(here)s/sv.sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;

// below the test runner's own hard limit: a non-root daemon may not raise it
const nproc = currentLimit(RLIMIT_KINDS.find((k) => k.key === 'rlimit_nproc')!)!;
const NPROC = Number.isFinite(nproc.hard) ? nproc.hard - 1 : 50_000;

const KEYS = `rlimit_nofile=64\nrlimit_core=1MB:2MB\nrlimit_cpu=100:200\nrlimit_as=4GB\nrlimit_nproc=${NPROC}\n`;

/** limits rows of /proc/PID/limits: row name -> [soft, hard] */
function limitsOf(text: string): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m) rows.set(m[1]!, [m[2]!, m[3]!]);
  }
  return rows;
}

async function limitsSeen(prefix: string, program: string, daemon?: (dir: string) => string[]): Promise<{ rows: Map<string, [string, string]>; printedPid: number; pid: number }> {
  const dir = makeTempDir(prefix);
  fs.symlinkSync(path.join(FIXTURES, 'print-limits.sh'), path.join(dir, 'print-limits'));
  const log = path.join(dir, 'limits.log');
  const conf = writeConfig(dir, `${RPC}[program:limited]\n${program}\n${KEYS}stdout_logfile=${log}\nstartsecs=0\nautorestart=false\n`);
  const running = startDaemon(dir, ['-n', '-c', conf], daemon ? { daemon: daemon(dir) } : {});
  try {
    const text = await waitFor(() => {
      const t = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
      return /Max realtime timeout/.test(t) && t;
    }, 20_000, `${prefix}: the limits in the log\n${running.mainLog()}\n${running.output()}`);
    const info = (await rpcCall(path.join(dir, 'sv.sock'), 'supervisor.getProcessInfo', ['limited'])) as { pid: number };
    return { rows: limitsOf(text), printedPid: Number(/^pid (\d+)/.exec(text)![1]), pid: info.pid };
  } finally {
    await running.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function assertLimits(seen: { rows: Map<string, [string, string]>; printedPid: number; pid: number }): void {
  assert.equal(seen.printedPid, seen.pid, 'the program runs in the pid supervisord reports (the shell exec\'d it)');
  assert.deepEqual(seen.rows.get('Max open files'), ['64', '64']);
  assert.deepEqual(seen.rows.get('Max core file size'), ['1048576', '2097152']);
  assert.deepEqual(seen.rows.get('Max cpu time'), ['100', '200']);
  assert.deepEqual(seen.rows.get('Max address space'), [String(4 * 1024 ** 3), String(4 * 1024 ** 3)]);
  assert.deepEqual(seen.rows.get('Max processes'), [String(NPROC), String(NPROC)]);
}

test('rlimit_* on the posix_spawn path: the program sees them in /proc/self/limits', async () => {
  assertLimits(await limitsSeen('rlimit-spawn-', `command=${FIXTURES}/print-limits.sh`));
});

test('rlimit_* on the child_process.spawn path (a name without a slash): the same limits', async () => {
  assertLimits(await limitsSeen('rlimit-node-', 'command=print-limits\nenvironment=PATH=".:/usr/bin:/bin"'));
});

test('rlimit_* without koffi, with redirect_stderr (the shell also makes fd 2 follow fd 1): the same limits', async () => {
  assertLimits(await limitsSeen('rlimit-nokoffi-', `command=${FIXTURES}/print-limits.sh\nredirect_stderr=true`, daemonWithoutKoffi));
});

test('a program without rlimit_* keys is started directly, with the daemon\'s limits', async () => {
  const dir = makeTempDir('rlimit-none-');
  const log = path.join(dir, 'limits.log');
  const conf = writeConfig(dir, `[program:plain]\ncommand=/bin/cat /proc/self/limits\nstdout_logfile=${log}\nstartsecs=0\nautorestart=false\n`);
  const running = startDaemon(dir, ['-n', '-c', conf]);
  try {
    const text = await waitFor(() => fs.existsSync(log) && /Max realtime timeout/.test(fs.readFileSync(log, 'utf8')) && fs.readFileSync(log, 'utf8'), 20_000, 'limits');
    assert.notDeepEqual(limitsOf(text).get('Max open files'), ['64', '64']);
    assert.match(running.mainLog(), /spawned: 'plain' with pid \d+/);
  } finally {
    await running.stop();
  }
});

test('impossible rlimit values are config errors naming the key and section', async () => {
  const nofile = currentLimit(RLIMIT_KINDS[0]!)!;
  const cases: [string, RegExp][] = [
    ['rlimit_nofile=64:32', /invalid value for rlimit_nofile in section \[program:x\]: the soft limit 64 is above the hard limit 32/],
    ['rlimit_nofile=many', /invalid value for rlimit_nofile in section \[program:x\]: not a number or infinity: 'many'/],
    ['rlimit_core=1:2:3', /invalid value for rlimit_core in section \[program:x\]: not soft\[:hard\]: '1:2:3'/],
    ['rlimit_nofile=infinity', /invalid value for rlimit_nofile in section \[program:x\]: open files cannot be unlimited/],
    ['memory_limit=lots', /invalid value for memory_limit in section \[program:x\]/],
    ['memory_limit_grace=5', /memory_limit_grace in section \[program:x\] needs memory_limit/],
  ];
  if (process.getuid?.() !== 0 && Number.isFinite(nofile.hard) && nofile.hard < 1_000_000) {
    cases.push([`rlimit_nofile=${nofile.hard + 1}`, new RegExp(`invalid value for rlimit_nofile in section \\[program:x\\]: ${nofile.hard + 1} is above supervisord's own hard limit ${nofile.hard}, which only root can raise`)]);
  }
  for (const [keys, message] of cases) await expectProgramConfigError(keys, message);
});
