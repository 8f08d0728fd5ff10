// Turns what the process core does into bus events, in 4.2.5's order: PROCESS_GROUP_ADDED per
// group, SUPERVISOR_STATE_CHANGE_RUNNING, then process states; output lines and captured data as
// PROCESS_LOG / PROCESS_COMMUNICATION; TICK_* at period boundaries; STOPPING when a stop begins.
import { isUtf8 } from 'node:buffer';
import { attachLogBody } from '../events/log-body.js';
import type { LineBatch } from '../output/line-framer.js';
import type { EventBus } from '../events/bus.js';
import type { ProcessLogEvent, ProcessStateName, Stream } from '../events/types.js';
import type { ProcessGroup } from '../process/group.js';
import { processStateName, SupervisorState } from '../process/states.js';
import type { Subprocess } from '../process/subprocess.js';
import type { GroupUpdate, Supervisor } from '../process/supervisor.js';

const TICK_PERIODS = [5, 60, 3600] as const;

/**
 * Wants output lines of chosen processes whatever their *_events_enabled (in-process plugins);
 * the bus keeps 4.2.5's rule, so listener pools see lines only of processes with events enabled.
 */
export interface LineConsumer {
  wants(process: { name: string; group: string }, stream: Stream): boolean;
  deliver(event: ProcessLogEvent): void;
}

export function attachEventSources(supervisor: Supervisor, bus: EventBus, lineConsumers: readonly LineConsumer[] = []): () => void {
  const detachers: (() => void)[] = [];
  const on = <A extends unknown[]>(emitter: { on(e: string, f: (...a: A) => void): unknown; off(e: string, f: (...a: A) => void): unknown }, name: string, fn: (...a: A) => void): void => {
    emitter.on(name, fn);
    detachers.push(() => emitter.off(name, fn));
  };

  on(supervisor, 'group-added', (group: ProcessGroup) => {
    bus.publish({ type: 'PROCESS_GROUP_ADDED', time: Date.now(), groupname: group.name });
    for (const proc of group.processes) attachOutput(proc, group.name);
  });
  on(supervisor, 'group-removed', (name: string) => bus.publish({ type: 'PROCESS_GROUP_REMOVED', time: Date.now(), groupname: name }));
  // an in-place (granular) update: the group never went away, so no PROCESS_GROUP_* event
  on(supervisor, 'group-updated', ({ group, added }: GroupUpdate) => {
    for (const proc of added) attachOutput(proc, group.name);
  });
  on(supervisor, 'run-started', () => bus.publish({ type: 'SUPERVISOR_STATE_CHANGE_RUNNING', time: Date.now() }));
  on(supervisor, 'supervisor-state', ({ from, to, at }: { from: SupervisorState; to: SupervisorState; at: number }) => {
    // once per stop: RUNNING -> SHUTDOWN or RESTARTING (a restart turned shutdown is the same stop)
    if (from === SupervisorState.RUNNING && to !== SupervisorState.RUNNING) bus.publish({ type: 'SUPERVISOR_STATE_CHANGE_STOPPING', time: at });
  });
  on(supervisor, 'process-state', (change: { process: string; group: string; from: number; to: number; pid: number; expected?: boolean; tries?: number; at: number }) => {
    const to = processStateName(change.to) as ProcessStateName;
    bus.publish({
      type: `PROCESS_STATE_${to}`,
      time: change.at,
      processname: change.process,
      groupname: change.group,
      from_state: processStateName(change.from) as ProcessStateName,
      pid: change.pid,
      tries: change.tries,
      expected: change.expected,
    });
  });

  on(supervisor, 'process-health', (change: { process: string; group: string; pid: number; from: string; to: string; failures: number; detail: string; at: number }) => {
    bus.publish({
      type: change.to === 'healthy' ? 'PROCESS_HEALTH_HEALTHY' : 'PROCESS_HEALTH_UNHEALTHY',
      time: change.at,
      processname: change.process,
      groupname: change.group,
      pid: change.pid,
      from_state: change.from === 'healthy' ? 'HEALTHY' : change.from === 'unhealthy' ? 'UNHEALTHY' : 'UNKNOWN',
      failures: change.failures,
      detail: change.detail,
    });
  });

  on(supervisor, 'process-memory-limit', (hit: { process: string; group: string; pid: number; rss: number; limit: number; at: number }) => {
    bus.publish({ type: 'PROCESS_MEMORY_LIMIT', time: hit.at, processname: hit.process, groupname: hit.group, pid: hit.pid, rss: hit.rss, limit: hit.limit });
  });

  function attachOutput(proc: Subprocess, groupname: string): void {
    const enabled: Record<Stream, boolean> = { stdout: proc.config.stdout_events_enabled, stderr: proc.config.stderr_events_enabled };
    // an eventlistener's stdout is its protocol channel: never PROCESS_LOG (4.2.5 too)
    const isListener = proc.config.section.startsWith('eventlistener:');
    if (isListener) enabled.stdout = false;
    const consumers: Record<Stream, LineConsumer[]> = {
      stdout: isListener ? [] : lineConsumers.filter((c) => c.wants({ name: proc.name, group: groupname }, 'stdout')),
      stderr: lineConsumers.filter((c) => c.wants({ name: proc.name, group: groupname }, 'stderr')),
    };
    // only then is output framed into lines: the plain log path stays line-free
    if (enabled.stdout || enabled.stderr || consumers.stdout.length || consumers.stderr.length) {
      on(proc, 'output', (batch: LineBatch) => {
        const stream = batch.stream;
        if (!enabled[stream] && consumers[stream].length === 0) return;
        const event = {
          type: stream === 'stdout' ? 'PROCESS_LOG_STDOUT' : 'PROCESS_LOG_STDERR',
          time: batch.time,
          processname: proc.name,
          groupname,
          pid: proc.pid,
          channel: stream,
        } as ProcessLogEvent;
        if (enabled[stream]) {
          // published to listener pools: the lines (objects and text) are made only for a consumer
          // that reads them (a plugin, a result handler), a pool takes the body (ADR 0021)
          let texts: readonly string[] | undefined;
          Object.defineProperty(event, 'lines', { enumerable: true, configurable: true, get: () => (texts ??= batch.lines.map((l) => l.text)) });
        } else {
          // only line consumers (plugins): they read every line
          (event as { lines: readonly string[] }).lines = batch.lines.map((l) => l.text);
        }
        const cuts = batch.cuts;
        if (cuts) event.cut = cuts;
        else if (enabled[stream]) {
          // where only listener pools receive it, they count their hold on the body and its memory
          // is recycled once they are done (ADR 0021); anyone else may keep the event: plain memory
          const leased = consumers[stream].length === 0 && bus.onlyLeasingSubscribers(event.type) ? batch.leasedBody() : null;
          const body = leased ? leased.body : batch.body!;
          if (isUtf8(body)) attachLogBody(event, body, batch.count, leased?.lease ?? null);
        }
        if (enabled[stream]) bus.publish(event);
        for (const consumer of consumers[stream]) consumer.deliver(event);
      });
    }
    on(proc, 'communication', (comm: { stream: Stream; data: Buffer; pid: number; time: number }) => {
      bus.publish({
        type: comm.stream === 'stdout' ? 'PROCESS_COMMUNICATION_STDOUT' : 'PROCESS_COMMUNICATION_STDERR',
        time: comm.time,
        processname: proc.name,
        groupname,
        pid: comm.pid,
        data: comm.data,
      });
    });
  }

  detachers.push(startTicker(bus));
  return () => {
    for (const detach of detachers.splice(0)) detach();
  };
}

/**
 * TICK_5/60/3600 as 4.2.5 computes them (slice = now - now % period, the first check only
 * records), but woken exactly at each 5 s boundary instead of polled every second.
 */
function startTicker(bus: EventBus): () => void {
  const last = new Map<number, number>();
  const slice = (period: number, now: number): number => now - (now % period);
  const check = (): void => {
    const now = Math.floor(Date.now() / 1000);
    for (const period of TICK_PERIODS) {
      const current = slice(period, now);
      const previous = last.get(period);
      last.set(period, current);
      if (previous !== undefined && previous !== current) {
        bus.publish({ type: `TICK_${period}`, time: Date.now(), when: current });
      }
    }
  };
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const msToBoundary = 5000 - (Date.now() % 5000) + 1;
    timer = setTimeout(() => {
      check();
      arm();
    }, msToBoundary);
    timer.unref();
  };
  check();
  arm();
  return () => clearTimeout(timer);
}
