// The prom-client side of /metrics: a Registry of its own (never the global one) with Node's
// default metrics and every supervisor_* family. Loaded at the first scrape, not at start-up
// (daemon-metrics.ts): prom-client and the default collectors cost a daemon that is never scraped
// ~4 MiB of private memory, and its GC histogram takes a record of every garbage collection.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerFamilies } from './families.js';
import type { Snapshot } from './snapshot.js';

// prom-client samples event loop delay on a timer of this period; its default (10 ms) wakes an idle
// daemon 100 times a second. At this period it never fires: the percentile gauges it feeds are
// dropped below, and nodejs_eventloop_lag_seconds (measured at each scrape) stays.
const NO_LOOP_SAMPLING_MS = 2 ** 31 - 1;
const LOOP_DELAY_PERCENTILES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((s) => `nodejs_eventloop_lag_${s}_seconds`);

export function makeRegistry(snapshot: () => Snapshot): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: NO_LOOP_SAMPLING_MS });
  for (const name of LOOP_DELAY_PERCENTILES) registry.removeSingleMetric(name);
  registerFamilies(registry, snapshot);
  return registry;
}
