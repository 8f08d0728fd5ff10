// fluentd: ships each output line (and optionally state changes) over Fluentd's forward protocol
// with @fluent-org/logger. Records wait in a bounded memory buffer, then in an on-disk spool,
// while Fluentd is away; a batch is taken off the buffer only once sent (acknowledged with ack=true),
// so a receiver restart loses nothing. Past both limits records are dropped, counted and logged.
import os from 'node:os';
import path from 'node:path';
import { EventTime, FluentClient, FluentSocketEvent } from '@fluent-org/logger';
import { definePlugin, type PluginLogger, type SupervisorEvent } from '../../src/plugins/api.js';
import { JsonLinesSpool } from './spool.js';

// Between failed sends; doubled up to reconnect_max_delay.
const FIRST_RETRY_MS = 100;
const DROP_REPORT_INTERVAL_MS = 10_000;

interface OutRecord {
  tag: string;
  /** epoch milliseconds */
  time: number;
  record: Record<string, string | number>;
}

export default definePlugin({
  name: 'fluentd',
  version: '1.0.0',
  events: ['PROCESS_LOG', 'PROCESS_STATE'],
  options: {
    host: { type: 'string', default: '127.0.0.1', description: 'Fluentd forward input host' },
    port: { type: 'integer', default: 24224, min: 1, max: 65535, description: 'Fluentd forward input port' },
    tag: { type: 'string', default: 'supervisor.{program}.{stream}', description: 'tag template: {program} {group} {stream} (stream is "state" for state events)' },
    state_events: { type: 'boolean', default: false, description: 'also ship PROCESS_STATE changes as records' },
    ack: { type: 'boolean', default: true, description: 'wait for Fluentd to acknowledge each batch (at least once); false: at most once across a receiver crash' },
    ack_timeout: { type: 'number', default: 10, min: 0.1, description: 'seconds to wait for an acknowledgement before resending' },
    batch_size: { type: 'integer', default: 500, min: 1, description: 'records sent per batch' },
    buffer_size: { type: 'integer', default: 10000, min: 1, description: 'records kept in memory; more go to the spool' },
    spool_file: { type: 'string', description: 'where records beyond buffer_size wait (default: none, they are dropped)' },
    spool_max_bytes: { type: 'integer', default: 100 * 1024 * 1024, min: 0, description: 'spool size limit in bytes (0: unlimited); past it records are dropped' },
    reconnect_max_delay: { type: 'number', default: 30, min: 0.1, description: 'seconds between reconnection attempts at most' },
  },
  setup({ name, options, log }) {
    const host = os.hostname();
    const client = new FluentClient(null, {
      socket: { host: options.host, port: options.port, timeout: -1, reconnect: { delay: FIRST_RETRY_MS, maxDelay: options.reconnect_max_delay * 1000 } },
      ...(options.ack ? { ack: { ackTimeout: options.ack_timeout * 1000 } } : {}),
      milliseconds: true,
    });
    let connectionLost = false;
    client.socketOn(FluentSocketEvent.ERROR, (err: Error) => {
      if (connectionLost || closing) return;
      connectionLost = true;
      log.warn(`connection to ${options.host}:${options.port} failed (${err.message}): records wait in memory${spool ? ' and in the spool' : ''}, reconnecting`);
    });
    client.socketOn(FluentSocketEvent.ESTABLISHED, () => {
      if (!connectionLost) return;
      connectionLost = false;
      log.info(`connected to ${options.host}:${options.port} again`);
    });
    const buffer: OutRecord[] = [];
    const spool = options.spool_file ? new JsonLinesSpool<OutRecord>(path.resolve(options.spool_file), options.spool_max_bytes) : null;
    const drops = new DropCounter(log);
    let sending = false;
    let closing = false;
    let retryDelay = FIRST_RETRY_MS;
    let idle: (() => void) | null = null;

    const enqueue = (record: OutRecord): void => {
      // once anything is spooled, newer records queue behind it on disk: order is kept
      if (buffer.length < options.buffer_size && (spool === null || spool.isEmpty)) buffer.push(record);
      else if (!spool?.append(record)) drops.count();
    };

    const refill = (): void => {
      while (spool && !spool.isEmpty && buffer.length < options.buffer_size) buffer.push(...spool.read());
    };

    const pump = async (): Promise<void> => {
      if (sending) return;
      sending = true;
      while (buffer.length > 0) {
        const batch = buffer.slice(0, options.batch_size);
        const results = await Promise.allSettled(batch.map((r) => client.emit(r.tag, r.record, EventTime.fromTimestamp(r.time))));
        const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [batch[i]!] : []));
        buffer.splice(0, batch.length, ...failed);
        if (failed.length > 0) {
          if (retryDelay === FIRST_RETRY_MS) log.warn(`${failed.length} records not confirmed (${String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason?.message)}): sending them again`);
          if (closing) break;
          await new Promise((resolve) => setTimeout(resolve, retryDelay));
          retryDelay = Math.min(retryDelay * 2, options.reconnect_max_delay * 1000);
          continue;
        }
        retryDelay = FIRST_RETRY_MS;
        refill();
      }
      sending = false;
      idle?.();
    };

    const tagFor = (program: string, group: string, stream: string): string =>
      options.tag.replace(/\{(program|group|stream)\}/g, (_, key: string) => (key === 'program' ? program : key === 'group' ? group : stream));

    return {
      event(event: SupervisorEvent) {
        if (event.type === 'PROCESS_LOG_STDOUT' || event.type === 'PROCESS_LOG_STDERR') {
          const tag = tagFor(event.processname, event.groupname, event.channel);
          for (const message of event.lines) {
            enqueue({ tag, time: event.time, record: { message, program: event.processname, group: event.groupname, stream: event.channel, pid: event.pid, host } });
          }
        } else if (options.state_events && event.type.startsWith('PROCESS_STATE_') && 'from_state' in event) {
          enqueue({
            tag: tagFor(event.processname, event.groupname, 'state'),
            time: event.time,
            record: { state: event.type.slice('PROCESS_STATE_'.length), from_state: event.from_state, program: event.processname, group: event.groupname, pid: event.pid ?? 0, host },
          });
        } else {
          return;
        }
        void pump();
      },
      async flush(deadline) {
        // flush_timeout ran out: what was not acknowledged is lost, so count it, and stop sending
        // (on a reload the old client would otherwise retry for ever beside the new one)
        const giveUp = (): void => {
          const left = buffer.length + (spool?.length ?? 0);
          log.error(`${name}: flush_timeout reached, ${left} records not shipped (not acknowledged by ${options.host}:${options.port})${drops.total ? `, ${drops.total} records dropped in this run` : ''}`);
          closing = true;
          client.shutdown().catch(() => {});
          spool?.close();
        };
        if (deadline?.aborted) return giveUp();
        deadline?.addEventListener('abort', giveUp, { once: true });
        while (sending || buffer.length > 0) {
          await new Promise<void>((resolve) => (idle = resolve));
          idle = null;
          if (deadline?.aborted) return;
          if (!sending && buffer.length > 0) void pump();
        }
        closing = true;
        await client.disconnect();
        spool?.close();
        log.info(`${name}: flushed${drops.total ? `, ${drops.total} records dropped in this run` : ''}`);
      },
    };
  },
});

/** Drops are counted always, logged at most every ten seconds. */
class DropCounter {
  total = 0;
  private lastReport = 0;
  private sinceReport = 0;

  constructor(private readonly log: PluginLogger) {}

  count(): void {
    this.total++;
    this.sinceReport++;
    const now = Date.now();
    if (now - this.lastReport >= DROP_REPORT_INTERVAL_MS) {
      this.log.warn(`buffer and spool full: dropped ${this.sinceReport} records (${this.total} in all)`);
      this.lastReport = now;
      this.sinceReport = 0;
    }
  }
}
