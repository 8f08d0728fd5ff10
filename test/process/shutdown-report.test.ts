// Shutdown lists the processes it waits for at most once per report interval, also when nothing is
// left to wait for (it listed all of them once per group then: quadratic at 1000 groups).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processConfig, programGroup } from '../helpers/process-config.js';
import { withHarness } from '../helpers/supervisor-harness.js';

test('shutting down 300 stopped groups lists the processes once, not once per group', () =>
  withHarness(async (h) => {
    const groups = Array.from({ length: 300 }, (_, i) => programGroup(processConfig(`idle${i}`, { autostart: false })));
    const supervisor = h.run(groups);
    let listings = 0;
    const processes = supervisor.processesInGroupOrder.bind(supervisor);
    supervisor.processesInGroupOrder = () => {
      listings++;
      return processes();
    };
    await supervisor.shutdown();
    assert.ok(listings <= 2, `${listings} listings of every process`);
  }));
