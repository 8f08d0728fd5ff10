// After a burst of state changes (a boot, a wave of restarts) the daemon collects its garbage once
// it has been quiet a moment, instead of carrying it until V8's memory reducer (ADR 0020).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { noteBusy, QUIET_MS } from '../../src/util/memory-relief.js';

/** Resolves with the start times of the full collections seen until `until` resolves. */
async function majorCollectionsDuring(until: Promise<void>): Promise<number[]> {
  const seen: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) seen.push(entry.startTime);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await until;
    // the observer is told on a later turn
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    observer.disconnect();
  }
  return seen;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a full collection runs once the processes have been quiet after being busy', async () => {
  let busyUntil = 0;
  const collections = await majorCollectionsDuring(
    (async () => {
      // busy for three quiet periods: a change every 100 ms
      const end = performance.now() + 3 * QUIET_MS;
      while (performance.now() < end) {
        noteBusy();
        await sleep(100);
      }
      busyUntil = performance.now();
      await sleep(QUIET_MS * 4);
    })(),
  );
  const afterBurst = collections.filter((at) => at >= busyUntil);
  assert.ok(afterBurst.length >= 1, `no full collection after the burst (${collections.length} in all)`);
});
