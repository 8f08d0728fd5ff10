// The numbers one plugin instance reports through context.metrics: plain fields, read by /metrics
// at scrape time (the plugin's hot path only adds to a number).
import type { PluginCounter, PluginGauge, PluginMetrics } from './api.js';

const NAME = /^[a-z][a-z0-9_]*$/;

class Counter implements PluginCounter {
  value = 0;

  inc(by = 1): void {
    // a counter never goes down: Prometheus would read a decrease as a restart
    if (by > 0) this.value += by;
  }
}

class Gauge implements PluginGauge {
  value = 0;

  set(value: number): void {
    this.value = value;
  }
}

export class PluginMetricsRegistry implements PluginMetrics {
  readonly counters = new Map<string, PluginCounter>();
  readonly gauges = new Map<string, PluginGauge>();

  /** `plugin`: the instance name, for the error a bad metric name gets */
  constructor(private readonly plugin: string) {}

  counter(name: string): PluginCounter {
    return this.counters.get(name) ?? this.add(this.counters, name, new Counter());
  }

  gauge(name: string): PluginGauge {
    return this.gauges.get(name) ?? this.add(this.gauges, name, new Gauge());
  }

  private add<T>(into: Map<string, T>, name: string, metric: T): T {
    if (!NAME.test(name)) throw new Error(`plugin ${this.plugin}: metric name '${name}' must be lower case letters, digits and _, starting with a letter`);
    into.set(name, metric);
    return metric;
  }
}
