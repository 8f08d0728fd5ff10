// supervisord as a container's PID 1, for real: in its own pid namespace (unshare), where every
// orphan is re-parented to it and nothing but its own handlers stands between it and a signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { childPids, isAlive, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { startAsPid1, zombieChildren } from '../helpers/pid1.js';

const count = (text: string, pattern: RegExp): number => (text.match(new RegExp(pattern, 'g')) ?? []).length;

test('as PID 1: orphans are reaped, none is left a zombie, and the daemon still sees its own children exit', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(
    dir,
    `[program:orphaner]
; five background jobs that outlive their shell, and one that double-forks into its own session
command=/bin/sh -c 'for i in 1 2 3 4 5; do (sleep 0.3; exit 3) & done; setsid sh -c "sleep 0.6; exit 0" & exit 0'
startsecs=0
autorestart=false

[program:flapper]
; Node's own child exiting again and again meanwhile: its exits must still reach the core
command=/bin/sh -c 'exit 7'
startsecs=0
autorestart=true
`,
  );
  const daemon = await startAsPid1(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());

  await daemon.waitForLog(/supervisord started with pid 1\b/);
  await waitFor(() => count(daemon.mainLog(), /reaped unknown pid \d+ \(exit status 3\)/) === 5, 10_000, `5 orphans reaped:\n${daemon.mainLog()}`);
  await daemon.waitForLog(/reaped unknown pid \d+ \(exit status 0\)/);
  assert.deepEqual(zombieChildren(daemon.hostPid), [], 'no zombie among the daemon\'s children');

  // every spawn of the flapper that has ended was reported (none stolen by the reaper)
  await waitFor(() => count(daemon.mainLog(), /exited: flapper/) >= 3, 10_000, 'three flapper exits');
  const log = daemon.mainLog();
  const spawned = [...log.matchAll(/spawned: 'flapper' with pid (\d+)/g)].map((m) => m[1]);
  const exited = count(log, /exited: flapper \(exit status 7; not expected\)/);
  assert.ok(exited >= spawned.length - 1, `each flapper spawn but the running one exited:\n${log}`);
  assert.doesNotMatch(log, /reaped unknown pid \d+ \(exit status 7\)/, 'the flapper is Node\'s child, not an orphan');

  await daemon.stop();
  assert.equal((await daemon.exited).code, 0);
});

test('as PID 1: SIGTERM stops the programs in reverse priority within their stopwaitsecs, and supervisord exits 0', async (t) => {
  const dir = makeTempDir();
  const order = path.join(dir, 'order');
  const polite = (name: string, priority: number): string => `[program:${name}]
command=/bin/sh -c 'trap "echo ${name} >> ${order}; exit 0" TERM; while :; do sleep 0.05; done'
priority=${priority}
stopwaitsecs=2
startsecs=1
`;
  const conf = writeConfig(
    dir,
    `${polite('first', 10)}
${polite('second', 20)}
${polite('third', 30)}
[program:stubborn]
; ignores SIGTERM: stopped with SIGKILL after its stopwaitsecs
command=/usr/bin/python3 -c 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)'
priority=40
stopwaitsecs=2
startsecs=1
`,
  );
  const daemon = await startAsPid1(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await waitFor(() => count(daemon.mainLog(), /entered RUNNING state/) === 4, 15_000, `4 RUNNING:\n${daemon.mainLog()}`);
  const programs = childPids(daemon.hostPid);
  assert.equal(programs.length, 4);

  const sent = Date.now();
  process.kill(daemon.hostPid, 'SIGTERM');
  const { code } = await daemon.exited;
  const elapsed = Date.now() - sent;

  const log = daemon.mainLog();
  assert.equal(code, 0, log);
  assert.match(log, /received SIGTERM indicating exit request/);
  assert.match(log, /killing 'stubborn' \(\d+\) with SIGKILL/);
  const stopped = [...log.matchAll(/stopped: (\w+) \(/g)].map((m) => m[1]);
  assert.deepEqual(stopped, ['stubborn', 'third', 'second', 'first'], log);
  assert.deepEqual(fs.readFileSync(order, 'utf8').split('\n').filter(Boolean), ['third', 'second', 'first']);
  // the stubborn one is waited for (2 s), the polite ones end at once: far below the 8 s the four stopwaitsecs allow
  assert.ok(elapsed >= 2000 && elapsed < 8000, `stopped in ${elapsed} ms`);
  for (const pid of programs) assert.equal(isAlive(pid), false, `program pid ${pid} left running`);
});

test('as PID 1: an essential program going FATAL stops everything and supervisord exits 1; a non-essential one does not', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(
    dir,
    `[program:flaky]
; not essential: FATAL at once, and supervisord carries on
command=/bin/sh -c 'exit 1'
startretries=0
priority=1

[program:core]
command=/bin/sh -c 'sleep 0.3; exit 4'
startretries=1
essential=true
priority=2

[program:steady]
command=/bin/sh -c 'while :; do sleep 0.05; done'
priority=3
`,
  );
  const daemon = await startAsPid1(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const programs = await waitFor(() => {
    const pids = childPids(daemon.hostPid);
    return pids.length >= 2 && pids;
  }, 10_000, 'programs running');

  const { code } = await daemon.exited;
  const log = daemon.mainLog();
  assert.equal(code, 1, log);
  const flakyFatal = log.indexOf('gave up: flaky entered FATAL state');
  const coreFatal = log.indexOf('gave up: core entered FATAL state');
  const verdict = log.indexOf("CRIT essential program 'core' entered FATAL state: shutting down");
  assert.ok(flakyFatal >= 0 && coreFatal > flakyFatal && verdict > coreFatal, log);
  assert.match(log.slice(verdict), /stopped: steady \(terminated by SIGTERM\)/);
  for (const pid of programs) assert.equal(isAlive(pid), false, `pid ${pid} left running`);
});

test('an essential program that exits for good (no autorestart) ends the run with status 1', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(
    dir,
    `[program:job]
command=/bin/sh -c 'sleep 1.3; exit 0'
autorestart=false
essential=true

[program:restarts]
; essential too, but restarted after each exit: never ends the run by itself
command=/bin/sh -c 'sleep 0.2; exit 0'
startsecs=0
autorestart=true
essential=true
`,
  );
  const daemon = await startAsPid1(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const { code } = await daemon.exited;
  const log = daemon.mainLog();
  assert.equal(code, 1, log);
  assert.match(log, /CRIT essential program 'job' exited \(exit status 0\) and will not be restarted: shutting down/);
  assert.doesNotMatch(log, /essential program 'restarts'/);
  assert.ok(count(log, /exited: restarts/) >= 2, 'restarts exited and was restarted before');
});

test('essential= takes a boolean: anything else is a config error naming the key and section', async () => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, '[program:x]\ncommand=/bin/true\nessential=maybe\n');
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  const { code } = await daemon.exited;
  assert.equal(code, 2);
  assert.match(daemon.output(), /invalid value for essential in section \[program:x\]: not a valid boolean value: 'maybe'/);
});
