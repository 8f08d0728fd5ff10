// Start-side rows of the transition table (states.md 2-4) with real children.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessState } from '../../src/process/states.js';
import { fixture, processConfig, programGroup } from '../helpers/process-config.js';
import { sleep, withHarness } from '../helpers/supervisor-harness.js';

test('an instantly failing program is spawned startretries+1 times, 1 s then 2 s apart, then FATAL', () =>
  withHarness(async (h) => {
    h.run([programGroup(processConfig('quick', { command: fixture('exit-1.sh'), startretries: 2 }))]);
    await h.waitForState('quick', ProcessState.FATAL, 10000);
    assert.deepEqual(h.statesOf('quick'), ['STARTING', 'BACKOFF', 'STARTING', 'BACKOFF', 'STARTING', 'BACKOFF', 'FATAL']);
    const starts = h.changes.filter((c) => c.to === ProcessState.STARTING);
    assert.deepEqual(starts.map((c) => c.tries), [0, 1, 2]);
    assert.deepEqual(h.changes.filter((c) => c.to === ProcessState.BACKOFF).map((c) => c.tries), [1, 2, 3]);
    const delays = [starts[1]!.at - starts[0]!.at, starts[2]!.at - starts[1]!.at];
    assert.ok(delays[0]! >= 950 && delays[0]! < 1600, `first retry after ${delays[0]} ms`);
    assert.ok(delays[1]! >= 1950 && delays[1]! < 2600, `second retry after ${delays[1]} ms`);
    assert.equal(h.logged("spawned: 'quick' with pid").length, 3);
    assert.equal(h.logged('exited: quick (exit status 1; not expected)').length, 3);
    assert.equal(h.logged('gave up: quick entered FATAL state, too many start retries too quickly').length, 1);
    const info = h.supervisor.resolve('quick').process!.getInfo();
    assert.equal(info.statename, 'FATAL');
    assert.equal(info.description, 'Exited too quickly (process log may have details)');
    assert.equal(info.exitstatus, 0);
  }));

test('a program alive longer than startsecs becomes RUNNING, and an expected exit code inside startsecs is still BACKOFF', () =>
  withHarness(async (h) => {
    h.run([
      programGroup(processConfig('steady', { startsecs: 1 })),
      programGroup(processConfig('early', { command: `${fixture('exit-after.sh')} 0 0`, startsecs: 1, startretries: 0 })),
    ]);
    await h.waitForState('steady', ProcessState.RUNNING, 5000);
    const steady = h.changes.filter((c) => c.process === 'steady');
    const waited = steady[1]!.at - steady[0]!.at;
    assert.ok(waited >= 1000 && waited < 1500, `RUNNING ${waited} ms after STARTING`);
    assert.equal(h.logged('success: steady entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)').length, 1);
    const info = h.supervisor.resolve('steady').process!.getInfo();
    assert.match(info.description, /^pid \d+, uptime 0:00:0\d$/);
    await h.waitForState('early', ProcessState.FATAL, 5000);
    assert.equal(h.logged('exited: early (exit status 0; not expected)').length, 1);
    assert.deepEqual(h.statesOf('early'), ['STARTING', 'BACKOFF', 'FATAL']);
  }));

test('autorestart=unexpected restarts on an exit code outside exitcodes, not on one inside', () =>
  withHarness(async (h) => {
    h.run([
      programGroup(processConfig('bad', { command: `${fixture('exit-after.sh')} 0.3 3`, startsecs: 0, exitcodes: [0, 2] })),
      programGroup(processConfig('good', { command: `${fixture('exit-after.sh')} 0.3 2`, startsecs: 0, exitcodes: [0, 2] })),
    ]);
    await h.waitForState('good', ProcessState.EXITED, 5000);
    await sleep(1500);
    assert.equal(h.supervisor.resolve('good').process!.state, ProcessState.EXITED);
    assert.equal(h.logged("spawned: 'good'").length, 1);
    assert.equal(h.logged('exited: good (exit status 2; expected)').length, 1);
    assert.ok(h.logged("spawned: 'bad'").length >= 2, 'bad was restarted');
    assert.ok(h.logged('exited: bad (exit status 3; not expected)').length >= 1);
    const exited = h.changes.find((c) => c.process === 'good' && c.to === ProcessState.EXITED)!;
    assert.equal(exited.expected, true);
    assert.equal(exited.exit?.exitstatus, 2);
    assert.ok(exited.pid > 0);
    const badExit = h.changes.find((c) => c.process === 'bad' && c.to === ProcessState.EXITED)!;
    assert.equal(badExit.expected, false);
  }));

test('autorestart=false stays EXITED; autorestart=true restarts even an expected exit', () =>
  withHarness(async (h) => {
    h.run([
      programGroup(processConfig('once', { command: `${fixture('exit-after.sh')} 0.2 1`, startsecs: 0, autorestart: 'false' })),
      programGroup(processConfig('always', { command: `${fixture('exit-after.sh')} 0.2 0`, startsecs: 0, autorestart: 'true' })),
    ]);
    await h.waitForState('once', ProcessState.EXITED, 5000);
    await sleep(1800);
    assert.equal(h.supervisor.resolve('once').process!.state, ProcessState.EXITED);
    assert.equal(h.logged("spawned: 'once'").length, 1);
    const info = h.supervisor.resolve('once').process!.getInfo();
    assert.equal(info.exitstatus, 1);
    assert.equal(info.spawnerr, 'Bad exit code 1');
    assert.match(info.description, /^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$/);
    assert.ok(h.logged("spawned: 'always'").length >= 2, 'always was restarted');
  }));

test('startsecs=0: RUNNING at once and an instant failure never backs off; restarts follow at once, at most one per 50 ms', () =>
  withHarness(async (h) => {
    h.run([programGroup(processConfig('flap', { command: fixture('exit-1.sh'), startsecs: 0, autorestart: 'true', startretries: 0 }))]);
    await sleep(1000);
    const states = new Set(h.statesOf('flap'));
    assert.ok(!states.has('BACKOFF') && !states.has('FATAL'), [...states].join());
    const spawns = h.logged("spawned: 'flap'").length;
    // 4.2.5 would manage about one a second; the floor allows 20 a second (+1 for the first)
    assert.ok(spawns >= 3 && spawns <= 21, `${spawns} spawns in 1 s`);
    assert.ok(h.logged('success: flap entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)').length >= 1);
  }));

test('an exit after startsecs but before the RUNNING promotion is RUNNING then EXITED (row 8)', () =>
  withHarness(async (h) => {
    h.run([programGroup(processConfig('late', { command: `${fixture('exit-after.sh')} 1.2 0`, startsecs: 1, autorestart: 'false' }))]);
    await h.waitForState('late', ProcessState.EXITED, 5000);
    assert.deepEqual(h.statesOf('late'), ['STARTING', 'RUNNING', 'EXITED']);
  }));

test('a manual start from FATAL and EXITED spawns again; STOPPED never-started shows "Not started"', () =>
  withHarness(async (h) => {
    h.run([
      programGroup(processConfig('idle', { autostart: false })),
      programGroup(processConfig('quick', { command: fixture('exit-1.sh'), startretries: 0 })),
    ]);
    assert.equal(h.supervisor.resolve('idle').process!.getInfo().description, 'Not started');
    await h.waitForState('quick', ProcessState.FATAL);
    await assert.rejects(h.supervisor.startProcess('quick'), { code: 'SPAWN_ERROR', message: 'SPAWN_ERROR: quick' });
    assert.equal(h.logged("spawned: 'quick'").length, 2);
    assert.equal(await h.supervisor.startProcess('idle', true), true);
    assert.equal(h.supervisor.resolve('idle').process!.state, ProcessState.RUNNING);
    await assert.rejects(h.supervisor.startProcess('idle'), { code: 'ALREADY_STARTED' });
    await assert.rejects(h.supervisor.startProcess('nope'), { code: 'BAD_NAME', message: 'BAD_NAME: nope' });
  }));
