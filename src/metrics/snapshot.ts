// What one scrape reports, read in one pass from the current run and the daemon-long totals, so
// every family of a scrape describes the same moment.
import type { HealthStatus } from '../process/health-check.js';
import type { ConcreteEventName } from '../events/types.js';
import type { PoolStats } from '../listeners/pool.js';
import type { RunnerStats } from '../plugins/runner.js';
import type { ProcessStateName } from '../process/states.js';
import type { ProcessTally } from './process-tally.js';

export const OUTPUT_COUNTERS = ['stdoutBytes', 'stdoutLines', 'stderrBytes', 'stderrLines'] as const;
export type OutputCounter = (typeof OUTPUT_COUNTERS)[number];

export const POOL_COUNTERS = ['accepted', 'delivered', 'rejected', 'dropped', 'droppedLines', 'spoolWrites'] as const satisfies readonly (keyof PoolStats)[];
export type PoolCounter = (typeof POOL_COUNTERS)[number];

export const PLUGIN_COUNTERS = ['received', 'delivered', 'failed', 'dropped', 'droppedLines'] as const satisfies readonly (keyof RunnerStats)[];
export type PluginCounter = (typeof PLUGIN_COUNTERS)[number];

export interface ProcessRow {
  labels: { group: string; process: string };
  state: ProcessStateName;
  /** epoch seconds of the last spawn attempt, 0 = never started */
  startTime: number;
  /** the health check's verdict; 'none' when the program has no check */
  health: HealthStatus;
  /** memory_limit in bytes; null without one */
  memoryLimit: number | null;
  /** resident bytes of the process tree at the last sample; null when not running or not sampled */
  rss: number | null;
  tally: Readonly<ProcessTally> | undefined;
  output: Record<OutputCounter, number>;
}

export interface PoolRow {
  labels: { pool: string };
  counters: Record<PoolCounter, number>;
  buffered: number;
  spooled: number;
  spoolBytes: number;
}

export interface PluginRow {
  labels: { plugin: string };
  counters: Record<PluginCounter, number>;
  queued: number;
}

/** One number a plugin reported through context.metrics; a counter's total carries across reloads. */
export interface PluginReportedRow {
  labels: { plugin: string; name: string };
  kind: 'counter' | 'gauge';
  value: number;
}

export interface Snapshot {
  processes: ProcessRow[];
  pools: PoolRow[];
  plugins: PluginRow[];
  pluginReported: PluginReportedRow[];
  published: ReadonlyMap<ConcreteEventName, number>;
}

export const EMPTY_SNAPSHOT: Snapshot = { processes: [], pools: [], plugins: [], pluginReported: [], published: new Map() };
