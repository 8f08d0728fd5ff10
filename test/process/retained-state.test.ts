// What a running program keeps in the daemon's heap: at 1000 programs every KiB per program is a MiB
// of every pod's memory (issue 20). The launch request, with its own copy of supervisord's whole
// environment, is needed only for the spawn; it was kept for the child's lifetime by a closure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import process from 'node:process';
import v8 from 'node:v8';
import { ProcessState } from '../../src/process/states.js';
import { processConfig, programGroup } from '../helpers/process-config.js';
import { withHarness } from '../helpers/supervisor-harness.js';

/** How many distinct string objects in this process's heap hold exactly `value` (a snapshot collects garbage first). */
async function stringsInHeap(value: string): Promise<number> {
  let json = '';
  for await (const chunk of v8.getHeapSnapshot()) json += String(chunk);
  const snapshot = JSON.parse(json) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  let count = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    if (types[snapshot.nodes[i + typeAt]!]!.includes('string') && snapshot.strings[snapshot.nodes[i + nameAt]!] === value) count++;
  }
  return count;
}

test("a running program does not keep its launch request's copy of the environment", () =>
  withHarness(async (h) => {
    // a value only supervisord's environment has: each child's environment copies it afresh
    const marker = `retained-env-${process.pid}-${Date.now()}`;
    process.env.SV_TS_RETAINED_MARKER = marker;
    try {
      const names = ['r0', 'r1', 'r2', 'r3'];
      h.run(names.map((name) => programGroup(processConfig(name, { startsecs: 0 }))));
      for (const name of names) await h.waitForState(name, ProcessState.RUNNING, 10000);
      // the test's own `marker`, and at most one more (a copy the harness or V8 holds for a while)
      const copies = await stringsInHeap(marker);
      assert.ok(copies <= 2, `${copies} copies of an environment value for ${names.length} running programs`);
    } finally {
      delete process.env.SV_TS_RETAINED_MARKER;
    }
  }));
