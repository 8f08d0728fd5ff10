// The plugin runner's drop accounting: a burst of drops is logged once, and what that line held
// back comes out when the 10 s window ends, so the log never stops at "1 dropped so far".
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { PluginRunner } from '../../src/plugins/runner.js';
import type { SupervisorEvent } from '../../src/events/types.js';

const line = (n: number): SupervisorEvent => ({
  type: 'PROCESS_LOG_STDOUT',
  time: 0,
  processname: 'p',
  groupname: 'p',
  pid: 1,
  channel: 'stdout',
  lines: [`line ${n}`, `line ${n}b`],
});

test('a burst of drops: the first is logged at once, the rest when the window ends, and every dropped line is counted', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  try {
    const warnings: string[] = [];
    const runner = new PluginRunner({ name: 'p', queueSize: 2, callTimeoutMs: 1000, log: { info() {}, warn: (m) => warnings.push(m), error() {} } });
    // never started (no handlers): everything past 2 queued events is dropped
    for (let n = 0; n < 7; n++) runner.accept(line(n));
    assert.deepEqual(warnings, ['queue full (2 events): dropped the oldest event, 1 dropped so far']);
    assert.equal(runner.dropped, 5);
    assert.equal(runner.droppedLines, 10);
    mock.timers.tick(10_000);
    assert.deepEqual(warnings.slice(1), ['queue full (2 events): dropped the oldest event, 5 dropped so far (and 3 more since the last report)']);
    mock.timers.tick(60_000);
    assert.equal(warnings.length, 2, 'nothing more to report');
  } finally {
    mock.timers.reset();
  }
});
