// `--plugin module.mjs`: the same events given to an in-process plugin as the host gives them
// (setup, then one time-boxed event() call at a time, then flush), each call reported like a
// listener's answer: OK when it returned, FAIL with the error when it threw or ran out of time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expandSubscription } from '../events/bus.js';
import type { PluginContext, PluginLogger } from '../plugins/api.js';
import { PluginConfigError } from '../plugins/errors.js';
import { HOST_KEYS, importDefinition, resolveEvents } from '../plugins/loader.js';
import { parseOptions } from '../plugins/options.js';
import { PluginMetricsRegistry } from '../plugins/plugin-metrics.js';
import { timeBoxed, TimedOut } from '../plugins/runner.js';
import { seconds, type Fault } from './faults.js';
import type { BenchEvent, EventReport, RunReport } from './report.js';

export interface PluginRunOptions {
  module: string;
  /** key=value: the plugin's own keys, plus call_timeout, flush_timeout and events as in [plugin:x] */
  args: readonly string[];
  /** where the plugin's log lines and its output go */
  log: (line: string) => void;
}

const BENCH_HOST_KEYS = { events: HOST_KEYS.events, call_timeout: HOST_KEYS.call_timeout, flush_timeout: HOST_KEYS.flush_timeout } as const;

function failure(message: string): Fault {
  return { code: 'SUP_ERR_BENCH_PLUGIN', message, cure: 'an in-process plugin that throws loses the event (the host logs it and goes on): catch what you can handle' };
}

export async function runPlugin(options: PluginRunOptions, events: readonly BenchEvent[]): Promise<RunReport> {
  const where = `--plugin ${options.module}`;
  const definition = await importDefinition(options.module, process.cwd(), where);
  const hostRaw: Record<string, string> = {};
  const ownRaw: Record<string, string> = {};
  for (const arg of options.args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new PluginConfigError(where, `option '${arg}' is not key=value`);
    const key = arg.slice(0, eq);
    (key in BENCH_HOST_KEYS ? hostRaw : ownRaw)[key] = arg.slice(eq + 1);
  }
  const host = parseOptions(BENCH_HOST_KEYS, hostRaw, where, 'the bench');
  const pluginOptions = parseOptions(definition.options, ownRaw, where, definition.name);
  const subscribed = expandSubscription(resolveEvents(host.events ?? definition.events ?? ['EVENT'], where));
  const say = (level: string) => (message: string) => options.log(`plugin ${definition.name}: ${level} ${message}`);
  const log: PluginLogger = { info: say('INFO'), warn: say('WARN'), error: say('ERROR') };
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervisor-listener-test-'));
  const noDaemon = async (): Promise<never> => {
    throw new Error('the bench runs no supervisord: process control is not available');
  };
  const context: PluginContext<typeof pluginOptions> = {
    name: definition.name,
    transport: 'in-process',
    options: pluginOptions,
    log,
    output: { write: (_stream, text) => options.log(text.replace(/\n$/, '')), isTerminal: () => false },
    processes: { list: async () => [], get: async () => undefined },
    control: { start: noDaemon, stop: noDaemon, restart: noDaemon, signal: noDaemon },
    stateDir,
    metrics: new PluginMetricsRegistry(definition.name),
  };
  const callMs = host.call_timeout * 1000;
  const reports: EventReport[] = events.map((e, i) => ({ index: i + 1, event: e.event, label: e.label, outcome: 'NOT SENT', ms: null, faults: [] }));
  const run: RunReport = { events: reports, startup: [], restarts: 0 };
  try {
    let handlers;
    try {
      handlers = await timeBoxed(() => definition.setup(context), callMs);
    } catch (err) {
      run.startup.push(failure(`setup ${err instanceof TimedOut ? `did not finish within ${seconds(callMs)}` : `threw: ${(err as Error)?.message ?? String(err)}`}`));
      return run;
    }
    for (const report of reports) {
      if (!subscribed.has(report.event.type)) {
        report.outcome = 'SKIPPED';
        continue;
      }
      const started = performance.now();
      try {
        await timeBoxed(() => handlers.event?.(report.event), callMs);
        report.outcome = 'OK';
      } catch (err) {
        report.outcome = 'FAIL';
        report.faults.push(failure(err instanceof TimedOut ? `event() did not finish within ${seconds(callMs)}` : `event() threw: ${(err as Error)?.message ?? String(err)}`));
      }
      report.ms = performance.now() - started;
    }
    const deadline = new AbortController();
    try {
      await timeBoxed(async () => handlers.flush?.(deadline.signal), Math.max(1, host.flush_timeout * 1000));
    } catch (err) {
      if (err instanceof TimedOut) deadline.abort(err);
      (run.after ??= []).push(failure(`flush ${err instanceof TimedOut ? `did not finish within ${seconds(host.flush_timeout * 1000)}` : `threw: ${(err as Error)?.message ?? String(err)}`}`));
    }
    return run;
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
