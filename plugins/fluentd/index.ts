// fluentd: ships each output line (and optionally state changes) over Fluentd's forward protocol.
// Nothing is dropped while Fluentd keeps up or comes back: records wait in memory (bounded in
// bytes), then in a spool in the plugin's state directory (bounded in bytes), which also keeps
// what a stop or a crash left for the next start. Past both bounds records are dropped, counted
// in /metrics and in the log.
import os from 'node:os';
import { definePlugin, type SupervisorEvent } from '../../src/plugins/api.js';
import { encodeEntry, encodeLineEntries } from './entries.js';
import { bytesText, Shipper } from './shipper.js';
import { ChunkSpool } from './spool.js';

export default definePlugin({
  name: 'fluentd',
  version: '2.0.0',
  events: ['PROCESS_LOG', 'PROCESS_STATE'],
  options: {
    host: { type: 'string', default: '127.0.0.1', description: 'Fluentd forward input host' },
    port: { type: 'integer', default: 24224, min: 1, max: 65535, description: 'Fluentd forward input port' },
    tag: { type: 'string', default: 'supervisor.{program}.{stream}', description: 'tag template: {program} {group} {stream} (stream is "state" for state events)' },
    state_events: { type: 'boolean', default: false, description: 'also ship PROCESS_STATE changes as records' },
    ack: { type: 'boolean', default: true, description: 'wait for Fluentd to acknowledge each chunk (at least once); false: at most once across a receiver crash' },
    ack_timeout: { type: 'number', default: 10, min: 0.1, description: 'seconds to wait for an acknowledgement (or a connection) before reconnecting and sending again' },
    buffer_max_bytes: { type: 'integer', default: 8 * 1024 * 1024, min: 64 * 1024, description: 'bytes of records kept in memory (those in flight included); more wait in the spool' },
    spool_max_bytes: { type: 'integer', default: 256 * 1024 * 1024, min: 0, description: 'bytes the spool may take on disk; past it records are dropped (0: no spool)' },
    reconnect_max_delay: { type: 'number', default: 30, min: 0.1, description: 'seconds between reconnection attempts at most' },
    // the keys of the first version: still read, so that a config written for it loads, and said once
    buffer_size: { type: 'integer', min: 1, description: 'no longer used (records in memory are bounded by buffer_max_bytes)' },
    batch_size: { type: 'integer', min: 1, description: 'no longer used (chunks are sized by the plugin)' },
    spool_file: { type: 'string', description: 'no longer used (the spool is kept in the plugin\'s state directory)' },
  },
  setup(context) {
    const { options, log } = context;
    for (const [key, instead] of [['buffer_size', 'memory is bounded by buffer_max_bytes'], ['batch_size', 'chunks are sized by the plugin'], ['spool_file', `the spool is kept in ${context.stateDir}`]] as const) {
      if (options[key] !== undefined) log.warn(`${key}= is no longer used and is ignored: ${instead}`);
    }
    const host = os.hostname();
    let spool: ChunkSpool | null = null;
    let noSpoolReason = 'spool_max_bytes=0';
    if (options.spool_max_bytes > 0) {
      try {
        spool = new ChunkSpool(context.stateDir, options.spool_max_bytes, (message) => log.warn(message));
        const waiting = spool.open();
        if (waiting > 0) log.info(`${waiting} records wait in the spool (${spool.dir}, ${bytesText(spool.diskBytes)}) from an earlier run: they are sent first`);
      } catch (err) {
        spool = null;
        noSpoolReason = `the spool cannot be used: ${(err as Error).message}`;
        log.error(`${noSpoolReason}; records past buffer_max_bytes (${bytesText(options.buffer_max_bytes)}) will be dropped`);
      }
    }
    const shipper = new Shipper({
      connection: { host: options.host, port: options.port, ack: options.ack, ackTimeoutMs: options.ack_timeout * 1000, reconnectMaxDelayMs: options.reconnect_max_delay * 1000 },
      memoryMaxBytes: options.buffer_max_bytes,
      spool,
      noSpoolReason,
      log,
      metrics: context.metrics,
    });

    const tagFor = (program: string, group: string, stream: string): string =>
      options.tag.replace(/\{(program|group|stream)\}/g, (_, key: string) => (key === 'program' ? program : key === 'group' ? group : stream));

    return {
      event(event: SupervisorEvent) {
        if (event.type === 'PROCESS_LOG_STDOUT' || event.type === 'PROCESS_LOG_STDERR') {
          if (event.lines.length === 0) return;
          const fields = { program: event.processname, group: event.groupname, stream: event.channel, pid: event.pid, host };
          shipper.add(tagFor(event.processname, event.groupname, event.channel), encodeLineEntries(event.time, 'message', event.lines, fields), event.lines.length);
        } else if (options.state_events && event.type.startsWith('PROCESS_STATE_') && 'from_state' in event) {
          const record = { state: event.type.slice('PROCESS_STATE_'.length), from_state: event.from_state, program: event.processname, group: event.groupname, pid: event.pid ?? 0, host };
          shipper.add(tagFor(event.processname, event.groupname, 'state'), encodeEntry(event.time, record), 1);
        }
      },
      flush(deadline) {
        return shipper.flush(deadline);
      },
    };
  },
});
