// CarriedTotals: what a replaced or released owner counted stays in the total under its name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CarriedTotals } from '../../src/metrics/carried-totals.js';

test('a new owner under the same name adds to what the old ones counted; a released one is let go', () => {
  const totals = new CarriedTotals<{ n: number }, 'n'>(['n'], (owner) => ({ n: owner.n }));
  const first = { n: 3 };
  totals.track('a', first);
  first.n = 5;
  assert.deepEqual(totals.totals('a'), { n: 5 });
  totals.track('a', first);
  assert.deepEqual(totals.totals('a'), { n: 5 }, 'tracking the same owner again counts it once');

  // a reload: a new owner starts from 0, the old one's last count is kept
  const second = { n: 0 };
  totals.track('a', second);
  second.n = 2;
  assert.deepEqual(totals.totals('a'), { n: 7 });

  // released (group removed, run ended): its count is kept, later changes to it are not seen
  totals.release('a');
  second.n = 100;
  assert.deepEqual(totals.totals('a'), { n: 7 });
  totals.track('a', { n: 1 });
  assert.deepEqual(totals.totals('a'), { n: 8 });

  totals.track('b', { n: 4 });
  totals.releaseWhere((key) => key === 'b');
  assert.deepEqual(totals.totals('b'), { n: 4 });
  assert.deepEqual(totals.totals('never'), { n: 0 });
});
