// The daemon's Prometheus metrics: one prom-client Registry of its own (never the global one) that
// lives as long as the daemon, across SIGHUP reloads, like the event bus. Nothing is counted here
// on a hot path: the modules that own the numbers keep plain counters, each run is observed
// through their read-only accessors and the core's state changes, and a scrape renders them.
// prom-client itself (registry.ts) is loaded at the first scrape: until then nothing of it runs.
import type { Registry } from 'prom-client';
import type { EventBus } from '../events/bus.js';
import type { ListenerPool } from '../listeners/pool.js';
import type { OutputCountsView } from '../output/output-counts.js';
import type { PluginCounter } from '../plugins/api.js';
import type { PluginMetricsRegistry } from '../plugins/plugin-metrics.js';
import type { PluginRunner } from '../plugins/runner.js';
import type { ProcessGroup } from '../process/group.js';
import { processStateName } from '../process/states.js';
import type { MemoryLimitHit, StateChange } from '../process/subprocess.js';
import type { GroupUpdate, Supervisor } from '../process/supervisor.js';
import { CarriedTotals } from './carried-totals.js';
import { processKey, ProcessTallies } from './process-tally.js';
import {
  EMPTY_SNAPSHOT,
  OUTPUT_COUNTERS,
  PLUGIN_COUNTERS,
  POOL_COUNTERS,
  type OutputCounter,
  type PluginCounter as RunnerCounter,
  type PluginReportedRow,
  type PoolCounter,
  type Snapshot,
} from './snapshot.js';

/** One scrape's answer: the exposition text and its content type. */
export interface MetricsText {
  contentType: string;
  text: string;
}

/** What the HTTP route needs. */
export interface MetricsRenderer {
  render(): Promise<MetricsText>;
}

/** The objects of one run that own numbers. */
export interface RunSources {
  supervisor: Supervisor;
  pools: { readonly pools: ReadonlyMap<string, ListenerPool> };
  plugins: { readonly instances: ReadonlyMap<string, PluginRunner>; readonly reported: ReadonlyMap<string, PluginMetricsRegistry> };
}

export class DaemonMetrics implements MetricsRenderer {
  /** made at the first scrape (registry.ts) */
  private registry: Promise<Registry> | null = null;
  private readonly tallies = new ProcessTallies();
  private readonly output = new CarriedTotals<OutputCountsView, OutputCounter>(OUTPUT_COUNTERS, (c) => ({
    stdoutBytes: c.stdout.bytes,
    stdoutLines: c.stdout.lines,
    stderrBytes: c.stderr.bytes,
    stderrLines: c.stderr.lines,
  }));
  private readonly pools = new CarriedTotals<ListenerPool, PoolCounter>(POOL_COUNTERS, (pool) => pool.stats);
  private readonly plugins = new CarriedTotals<PluginRunner, RunnerCounter>(PLUGIN_COUNTERS, (runner) => runner.stats);
  // keyed by plugin and counter name: a reloaded plugin's counters start again from 0
  private readonly reportedCounters = new CarriedTotals<PluginCounter, 'value'>(['value'], (counter) => counter);
  private run: RunSources | null = null;
  private current: Snapshot = EMPTY_SNAPSHOT;

  constructor(private readonly bus: EventBus) {}

  /** Follow one run until the returned function is called (the run's end, after its last state change). */
  observeRun(run: RunSources): () => void {
    const { supervisor } = run;
    this.run = run;
    const onState = (change: StateChange): void => this.tallies.record(change);
    const onMemoryLimit = (hit: MemoryLimitHit): void => this.tallies.recordMemoryLimit(hit.group, hit.process);
    const onGroupAdded = (group: ProcessGroup): void => this.trackGroup(run, group);
    const onGroupRemoved = (name: string): void => {
      this.output.releaseWhere((key) => key.startsWith(processKey(name, '')));
      this.pools.release(name);
    };
    // a granular update replaces members inside a group that stays
    const onGroupUpdated = ({ group, added, removed }: GroupUpdate): void => {
      for (const proc of removed) this.output.release(processKey(group.name, proc.name));
      for (const proc of added) this.output.track(processKey(group.name, proc.name), proc.outputCounts);
    };
    supervisor.on('process-state', onState);
    supervisor.on('process-memory-limit', onMemoryLimit);
    supervisor.on('group-added', onGroupAdded);
    supervisor.on('group-removed', onGroupRemoved);
    supervisor.on('group-updated', onGroupUpdated);
    for (const group of supervisor.groups.values()) this.trackGroup(run, group);
    for (const [name, runner] of run.plugins.instances) this.plugins.track(name, runner);
    return () => {
      supervisor.off('process-state', onState);
      supervisor.off('process-memory-limit', onMemoryLimit);
      supervisor.off('group-added', onGroupAdded);
      supervisor.off('group-removed', onGroupRemoved);
      supervisor.off('group-updated', onGroupUpdated);
      this.output.releaseWhere(() => true);
      this.pools.releaseWhere(() => true);
      this.plugins.releaseWhere(() => true);
      // counters made since the last scrape are counted too
      for (const [plugin, registry] of run.plugins.reported) this.reportedRows(plugin, registry);
      this.reportedCounters.releaseWhere(() => true);
      if (this.run === run) this.run = null;
    };
  }

  /** The exposition text of every metric, read now. */
  async render(): Promise<MetricsText> {
    this.registry ??= import('./registry.js').then(({ makeRegistry }) => makeRegistry(() => this.current));
    let registry: Registry;
    try {
      registry = await this.registry;
    } catch (err) {
      this.registry = null; // the next scrape tries again
      throw err;
    }
    this.current = this.snapshot();
    return { contentType: registry.contentType, text: await registry.metrics() };
  }

  private trackGroup(run: RunSources, group: ProcessGroup): void {
    for (const proc of group.processes) this.output.track(processKey(group.name, proc.name), proc.outputCounts);
    const pool = run.pools.pools.get(group.name);
    if (pool !== undefined) this.pools.track(group.name, pool);
  }

  private snapshot(): Snapshot {
    const run = this.run;
    if (run === null) return { ...EMPTY_SNAPSHOT, published: this.bus.publishedByType };
    return {
      processes: run.supervisor.processes().map((proc) => {
        const key = processKey(proc.group, proc.name);
        this.output.track(key, proc.outputCounts);
        return {
          labels: { group: proc.group, process: proc.name },
          state: processStateName(proc.state),
          startTime: proc.getInfo().start,
          health: proc.health,
          memoryLimit: proc.config.extensions.memoryLimit?.bytes ?? null,
          rss: proc.resourceUsage?.rss ?? null,
          tally: this.tallies.get(key),
          output: this.output.totals(key),
        };
      }),
      pools: [...run.pools.pools].map(([name, pool]) => {
        this.pools.track(name, pool);
        const { buffered, spooled, spoolBytes } = pool.stats;
        return { labels: { pool: name }, counters: this.pools.totals(name), buffered, spooled, spoolBytes };
      }),
      plugins: [...run.plugins.instances].map(([name, runner]) => {
        this.plugins.track(name, runner);
        return { labels: { plugin: name }, counters: this.plugins.totals(name), queued: runner.queued };
      }),
      pluginReported: [...run.plugins.reported].flatMap(([plugin, registry]) => this.reportedRows(plugin, registry)),
      published: this.bus.publishedByType,
    };
  }

  private reportedRows(plugin: string, registry: PluginMetricsRegistry): PluginReportedRow[] {
    const rows: PluginReportedRow[] = [];
    for (const [name, counter] of registry.counters) {
      const key = `${plugin}\0${name}`;
      this.reportedCounters.track(key, counter);
      rows.push({ labels: { plugin, name }, kind: 'counter', value: this.reportedCounters.totals(key).value });
    }
    for (const [name, gauge] of registry.gauges) rows.push({ labels: { plugin, name }, kind: 'gauge', value: gauge.value });
    return rows;
  }
}
