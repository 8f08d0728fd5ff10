// Priority ordering (states.md 7): autostart, shutdown and stopAll.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessState, SupervisorState } from '../../src/process/states.js';
import { fixture, heterogeneousGroup, processConfig, programGroup } from '../helpers/process-config.js';
import { withHarness } from '../helpers/supervisor-harness.js';

const spawnedNames = (lines: string[]): string[] =>
  lines.map((l) => /spawned: '([^']+)'/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
const killedNames = (lines: string[]): string[] =>
  lines.map((l) => /killing (\S+) \(pid/.exec(l)?.[1]).filter((n): n is string => n !== undefined);

function groups() {
  return [
    programGroup(processConfig('p3', { priority: 3, startsecs: 0 })),
    programGroup(processConfig('p1', { priority: 1, startsecs: 0 })),
    heterogeneousGroup('g', 0, [processConfig('gx', { priority: 20, startsecs: 0 }), processConfig('gy', { priority: 10, startsecs: 0 })]),
    programGroup(processConfig('p2', { priority: 2, startsecs: 0 })),
    programGroup(processConfig('off', { priority: 5, autostart: false })),
  ];
}

test('autostart follows (priority, name), a [group:x] in listed order; shutdown is the exact reverse, one group at a time', () =>
  withHarness(async (h) => {
    const sup = h.run(groups());
    assert.deepEqual(spawnedNames(h.messages()), ['gx', 'gy', 'p1', 'p2', 'p3']);
    for (const name of ['p1', 'p2', 'p3', 'g:gx', 'g:gy']) await h.waitForState(name, ProcessState.RUNNING);
    const states: SupervisorState[] = [];
    sup.on('supervisor-state', (c) => states.push(c.to));
    const before = h.messages().length;
    const t0 = Date.now();
    await sup.shutdown();
    assert.ok(Date.now() - t0 < 1000, 'no per-group loop cost');
    assert.deepEqual(states, [SupervisorState.SHUTDOWN]);
    const after = h.messages().slice(before);
    assert.deepEqual(killedNames(after), ['p3', 'p2', 'p1', 'gx', 'gy']);
    // a group is only signalled once the previous one is fully stopped
    const order = after.filter((l) => /killing|stopped:/.test(l)).map((l) => l.replace(/ \(.*/, ''));
    assert.deepEqual(order.slice(0, 6), ['DEBG killing p3', 'WARN stopped: p3', 'DEBG killing p2', 'WARN stopped: p2', 'DEBG killing p1', 'WARN stopped: p1']);
    for (const p of sup.processes()) assert.ok([ProcessState.STOPPED].includes(p.state), `${p.name} ${ProcessState[p.state]}`);
    await assert.rejects(sup.startProcess('p1'), { code: 'SHUTDOWN_STATE' });
  }));

test('stopAll signals in ascending priority, all at once; startAll starts what is not running', () =>
  withHarness(async (h) => {
    const sup = h.run(groups());
    for (const name of ['p1', 'p2', 'p3', 'g:gx', 'g:gy']) await h.waitForState(name, ProcessState.RUNNING);
    const before = h.messages().length;
    const results = await sup.stopAll();
    assert.deepEqual(killedNames(h.messages().slice(before)), ['gy', 'gx', 'p1', 'p2', 'p3']);
    assert.equal(results.length, 5);
    assert.ok(results.every((r) => r.status === 80 && r.description === 'OK'));
    const started = await sup.startAll();
    assert.deepEqual(started.map((r) => r.name).sort(), ['gx', 'gy', 'off', 'p1', 'p2', 'p3']);
    const groupResults = await sup.stopProcess('g:*');
    assert.deepEqual((groupResults as { name: string }[]).map((r) => r.name).sort(), ['gx', 'gy']);
  }));

test('shutdown turns BACKOFF into FATAL and never restarts anything', () =>
  withHarness(async (h) => {
    const sup = h.run([
      programGroup(processConfig('quick', { command: fixture('exit-1.sh'), startretries: 10 })),
      programGroup(processConfig('app', { startsecs: 0, autorestart: 'true' })),
    ]);
    await h.waitForState('quick', ProcessState.BACKOFF);
    await h.waitForState('app', ProcessState.RUNNING);
    await sup.shutdown();
    assert.equal(sup.resolve('quick').process!.state, ProcessState.FATAL);
    assert.equal(h.logged('gave up: quick').length, 0, 'no "gave up" line for a shutdown FATAL');
    assert.equal(sup.resolve('app').process!.state, ProcessState.STOPPED);
    const spawns = h.logged('spawned:').length;
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(h.logged('spawned:').length, spawns);
  }));
