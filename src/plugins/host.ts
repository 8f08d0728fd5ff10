// The in-process plugin host of one run: loads the [plugin:x] sections, gives each instance its
// runner (bounded queue, time-boxed calls) and its context, subscribes it to the bus, and on
// shutdown lets each flush within its deadline. Nothing a plugin does can throw into the daemon.
import { PluginConfigError } from './errors.js';
import type { RawSection } from '../config/types.js';
import type { LineConsumer } from '../daemon/event-sources.js';
import { expandSubscription, type EventBus } from '../events/bus.js';
import type { ConcreteEventName, Stream, SupervisorEvent } from '../events/types.js';
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../process/supervisor.js';
import type { PluginHandlers, PluginLogger } from './api.js';
import { makeContext } from './context.js';
import { PluginMetricsRegistry } from './plugin-metrics.js';
import { loadPluginSection, pluginSections, type PluginInstanceSpec } from './loader.js';
import { PluginRunner, timeBoxed, TimedOut } from './runner.js';

const LOG_TYPES: Record<Stream, ConcreteEventName> = { stdout: 'PROCESS_LOG_STDOUT', stderr: 'PROCESS_LOG_STDERR' };

export interface PluginHost {
  /** feeds PROCESS_LOG to the plugins that asked for it, whatever the program's *_events_enabled */
  readonly lineConsumer: LineConsumer;
  readonly instances: ReadonlyMap<string, PluginRunner>;
  /** what each instance reports through context.metrics */
  readonly reported: ReadonlyMap<string, PluginMetricsRegistry>;
  /** stop accepting events; each plugin drains its queue and flushes within its flush_timeout */
  close(): Promise<void>;
}

interface Instance {
  spec: PluginInstanceSpec;
  runner: PluginRunner;
  metrics: PluginMetricsRegistry;
  log: PluginLogger;
  handlers: PluginHandlers | null;
  wantsLines: Record<Stream, boolean>;
  unsubscribe: () => void;
}

/**
 * `strict` (supervisord's first run): a section that does not load is an error and nothing starts.
 * On a reload it is logged and skipped instead, so a typo cannot stop every running program.
 */
export async function startPluginHost(options: {
  sections: readonly RawSection[];
  supervisor: Supervisor;
  bus: EventBus;
  logger: Logger;
  strict: boolean;
}): Promise<PluginHost> {
  const { supervisor, bus, logger } = options;
  const instances: Instance[] = [];
  for (const section of pluginSections(options.sections)) {
    let spec: PluginInstanceSpec;
    try {
      spec = await loadPluginSection(section);
    } catch (err) {
      if (options.strict) throw err instanceof PluginConfigError ? err : new PluginConfigError(`[${section.name}] in ${section.file}`, (err as Error).message);
      logger.error(`plugin not started: ${(err as Error).message}`);
      continue;
    }
    instances.push(startInstance(spec, supervisor, bus, logger));
  }

  const lineConsumer: LineConsumer = {
    wants: (proc, stream) => instances.some((i) => i.wantsLines[stream] && matchesPrograms(i.spec.programs, proc.name, proc.group)),
    deliver: (event) => {
      for (const instance of instances) {
        if (instance.wantsLines[event.channel] && matchesPrograms(instance.spec.programs, event.processname, event.groupname)) instance.runner.accept(event);
      }
    },
  };

  return {
    lineConsumer,
    instances: new Map(instances.map((i) => [i.spec.name, i.runner])),
    reported: new Map(instances.map((i) => [i.spec.name, i.metrics])),
    async close() {
      await Promise.all(instances.map((instance) => closeInstance(instance)));
    },
  };
}

function startInstance(spec: PluginInstanceSpec, supervisor: Supervisor, bus: EventBus, logger: Logger): Instance {
  const prefix = `plugin ${spec.name}: `;
  const log: PluginLogger = {
    info: (m) => logger.info(prefix + m),
    warn: (m) => logger.warn(prefix + m),
    error: (m) => logger.error(prefix + m),
  };
  const runner = new PluginRunner({ name: spec.name, queueSize: spec.queueSize, callTimeoutMs: spec.callTimeoutMs, log });
  const concrete = expandSubscription(spec.events);
  // lines come through the line consumer (any program), not the bus (only *_events_enabled ones)
  const wantsLines = { stdout: concrete.has(LOG_TYPES.stdout), stderr: concrete.has(LOG_TYPES.stderr) };
  concrete.delete(LOG_TYPES.stdout);
  concrete.delete(LOG_TYPES.stderr);
  const unsubscribe = bus.subscribe(`plugin:${spec.name}`, concrete, (event) => {
    if (matchesEvent(spec.programs, event)) runner.accept(event);
  });
  const metrics = new PluginMetricsRegistry(spec.name);
  const instance: Instance = { spec, runner, metrics, log, handlers: null, wantsLines, unsubscribe };
  const context = makeContext(spec.name, spec.options, log, supervisor, metrics);
  timeBoxed(() => spec.definition.setup(context), spec.callTimeoutMs).then(
    (handlers) => {
      instance.handlers = handlers ?? {};
      runner.start(instance.handlers);
      log.info(`started (${spec.definition.name} ${spec.definition.version}${spec.moduleChanged ? ', its module changed on disk: imported anew' : ''})`);
    },
    (err: unknown) => {
      unsubscribe();
      instance.wantsLines = { stdout: false, stderr: false };
      void runner.drain();
      log.error(`setup failed, plugin disabled: ${(err as Error)?.message ?? String(err)}`);
    },
  );
  return instance;
}

async function closeInstance(instance: Instance): Promise<void> {
  const { spec, runner, log } = instance;
  instance.unsubscribe();
  instance.wantsLines = { stdout: false, stderr: false };
  const deadline = new AbortController();
  try {
    await timeBoxed(async () => {
      await runner.drain();
      await instance.handlers?.flush?.(deadline.signal);
    }, Math.max(1, spec.flushTimeoutMs));
  } catch (err) {
    // the plugin counts what it still holds: without this its loss would not be in the log
    if (err instanceof TimedOut) deadline.abort(err);
    const reason = err instanceof TimedOut ? err.message : `threw ${(err as Error)?.stack ?? String(err)}`;
    log.error(`flush on shutdown ${reason} (${runner.queued} events not delivered)`);
  }
  // the rate-limited lines may have shown only a burst's first drop: the totals make the loss countable
  runner.stopReports();
  if (runner.dropped > 0) log.warn(`${runner.dropped} events (${runner.droppedLines} output lines) dropped in this run: queue full (queue_size=${spec.queueSize})`);
  if (runner.failed > 0) log.error(`${runner.failed} event calls threw or timed out in this run`);
}

/** programs= names a process, its group, or group:process. */
export function matchesPrograms(programs: readonly string[] | null, processname: string, groupname: string): boolean {
  if (programs === null) return true;
  return programs.some((p) => p === processname || p === groupname || p === `${groupname}:${processname}` || p === `${groupname}:*`);
}

function matchesEvent(programs: readonly string[] | null, event: SupervisorEvent): boolean {
  if (programs === null) return true;
  if ('processname' in event) return matchesPrograms(programs, event.processname, event.groupname);
  if ('groupname' in event) return programs.some((p) => p === event.groupname || p === `${event.groupname}:*`);
  return true;
}
