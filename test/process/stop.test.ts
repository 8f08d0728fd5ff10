// Stop-side rows of the transition table (states.md 2 and 5) with real children.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ProcessState } from '../../src/process/states.js';
import { fixture, processConfig, programGroup } from '../helpers/process-config.js';
import { isAlive, sleep, waitFor, withHarness } from '../helpers/supervisor-harness.js';

test('stop sends TERM and the process goes STOPPING -> STOPPED', () =>
  withHarness(async (h) => {
    h.run([programGroup(processConfig('app', { startsecs: 0 }))]);
    await h.waitForState('app', ProcessState.RUNNING);
    const pid = h.supervisor.resolve('app').process!.pid;
    assert.equal(await h.supervisor.stopProcess('app'), true);
    assert.equal(h.supervisor.resolve('app').process!.state, ProcessState.STOPPED);
    assert.deepEqual(h.statesOf('app'), ['STARTING', 'RUNNING', 'STOPPING', 'STOPPED']);
    assert.equal(h.logged(`killing app (pid ${pid}) with signal SIGTERM`).length, 1);
    assert.equal(h.logged('WARN stopped: app (terminated by SIGTERM)').length, 1);
    const stopped = h.changes.at(-1)!;
    assert.equal(stopped.pid, pid);
    assert.equal(stopped.exit?.signal, 'SIGTERM');
    assert.equal(stopped.exit?.exitstatus, -1);
    assert.equal(h.supervisor.resolve('app').process!.getInfo().exitstatus, -1);
    await assert.rejects(h.supervisor.stopProcess('app'), { code: 'NOT_RUNNING' });
  }));

test('a child that ignores SIGTERM is SIGKILLed after stopwaitsecs', () =>
  withHarness(async (h) => {
    h.run([programGroup(processConfig('stubborn', { command: fixture('ignore-sigterm.sh'), startsecs: 0, stopwaitsecs: 1 }))]);
    await h.waitForState('stubborn', ProcessState.RUNNING);
    await sleep(200); // let the shell install its trap
    const pid = h.supervisor.resolve('stubborn').process!.pid;
    const t0 = Date.now();
    await h.supervisor.stopProcess('stubborn');
    const took = Date.now() - t0;
    assert.ok(took >= 950 && took < 2000, `stopped after ${took} ms`);
    assert.equal(h.logged(`WARN killing 'stubborn' (${pid}) with SIGKILL`).length, 1);
    assert.equal(h.logged('WARN stopped: stubborn (terminated by SIGKILL)').length, 1);
    assert.equal(h.logged('INFO waiting for stubborn to stop').length, 1);
    assert.deepEqual(h.statesOf('stubborn'), ['STARTING', 'RUNNING', 'STOPPING', 'STOPPED']);
  }));

async function grandchildPid(file: string): Promise<number> {
  await waitFor(() => fs.existsSync(file), 5000, 'the grandchild pid file');
  return Number(fs.readFileSync(file, 'utf8').trim());
}

test('stopasgroup signals the whole process group: the grandchild dies too', () =>
  withHarness(async (h) => {
    const pidFile = path.join(h.dir, 'grandchild.pid');
    h.run([programGroup(processConfig('parent', { command: `${fixture('orphan-maker.sh')} ${pidFile}`, startsecs: 0, stopasgroup: true, killasgroup: true }))]);
    const grandchild = await grandchildPid(pidFile);
    h.strayPids.add(grandchild);
    await h.supervisor.stopProcess('parent');
    assert.equal(h.logged('process group with signal SIGTERM').length, 1);
    await waitFor(() => !isAlive(grandchild), 2000, 'the grandchild to die');
  }));

test('without stopasgroup the grandchild survives the stop (4.2.5 behaviour)', () =>
  withHarness(async (h) => {
    const pidFile = path.join(h.dir, 'grandchild.pid');
    h.run([programGroup(processConfig('parent', { command: `${fixture('orphan-maker.sh')} ${pidFile}`, startsecs: 0 }))]);
    const grandchild = await grandchildPid(pidFile);
    h.strayPids.add(grandchild);
    await h.supervisor.stopProcess('parent');
    await sleep(200);
    assert.ok(isAlive(grandchild), 'the grandchild is still alive');
  }));

test('stop in BACKOFF goes to STOPPED without a signal and cancels the retry', () =>
  withHarness(async (h) => {
    h.run([programGroup(processConfig('quick', { command: fixture('exit-1.sh'), startretries: 5 }))]);
    await h.waitForState('quick', ProcessState.BACKOFF);
    assert.equal(await h.supervisor.stopProcess('quick'), true);
    assert.equal(h.supervisor.resolve('quick').process!.state, ProcessState.STOPPED);
    assert.equal(h.logged('Attempted to kill quick, which is in BACKOFF state.').length, 1);
    await sleep(1500);
    assert.equal(h.logged("spawned: 'quick'").length, 1, 'no retry after the stop');
  }));

test('stop while STARTING, and signalProcess reaches the pid without a state change', () =>
  withHarness(async (h) => {
    h.run([programGroup(processConfig('slow', { startsecs: 5 })), programGroup(processConfig('sig', { startsecs: 0, exitcodes: [0] }))]);
    await h.waitForState('slow', ProcessState.STARTING);
    await h.supervisor.stopProcess('slow');
    assert.deepEqual(h.statesOf('slow'), ['STARTING', 'STOPPING', 'STOPPED']);
    await h.waitForState('sig', ProcessState.RUNNING);
    assert.throws(() => h.supervisor.signalProcess('sig', 'NOPE'), { code: 'BAD_SIGNAL' });
    assert.throws(() => h.supervisor.signalProcess('slow', 'HUP'), { code: 'NOT_RUNNING' });
    assert.equal(h.supervisor.signalProcess('sig', 'USR1'), true);
    await waitFor(() => h.statesOf('sig').includes('EXITED'), 5000, 'sig to exit');
    assert.equal(h.logged('exited: sig (terminated by SIGUSR1; not expected)').length, 1);
  }));
