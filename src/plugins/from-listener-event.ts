// Turns what the listener protocol delivers back into the typed events plugins get in-process.
// PROCESS_LOG data is cut into whole lines: ours sends whole lines, 4.2.5 raw chunks, so a
// partial last line waits for the rest from the next event of the same process and channel.
import type { ListenerEvent } from '../sdk/listener.js';
import type { ConcreteEventName, ProcessStateName, Stream, SupervisorEvent } from '../events/types.js';

export class ListenerEventDecoder {
  private readonly partial = new Map<string, string>();

  /** The typed event, or null when a log chunk held no whole line yet or the type is unknown. */
  decode(event: ListenerEvent, now = Date.now()): SupervisorEvent | null {
    const type = event.eventname as ConcreteEventName;
    const f = event.fields;
    const num = (key: string): number | undefined => (f[key] === undefined ? undefined : Number(f[key]));
    if (type.startsWith('PROCESS_STATE_')) {
      return {
        type: type as `PROCESS_STATE_${ProcessStateName}`,
        time: now,
        processname: f.processname ?? '',
        groupname: f.groupname ?? '',
        from_state: (f.from_state ?? 'STOPPED') as ProcessStateName,
        ...(f.tries !== undefined ? { tries: num('tries') } : {}),
        ...(f.pid !== undefined ? { pid: num('pid') } : {}),
        ...(f.expected !== undefined ? { expected: f.expected === '1' } : {}),
      };
    }
    switch (type) {
      case 'PROCESS_LOG_STDOUT':
      case 'PROCESS_LOG_STDERR': {
        const lines = this.wholeLines(`${f.groupname}:${f.processname}:${f.channel}:${f.pid}`, event.data ?? '');
        if (lines.length === 0) return null;
        return { type, time: now, processname: f.processname ?? '', groupname: f.groupname ?? '', pid: num('pid') ?? 0, channel: (f.channel ?? 'stdout') as Stream, lines };
      }
      case 'PROCESS_COMMUNICATION_STDOUT':
      case 'PROCESS_COMMUNICATION_STDERR':
        return { type, time: now, processname: f.processname ?? '', groupname: f.groupname ?? '', pid: num('pid') ?? 0, data: Buffer.from(event.data ?? '') };
      case 'REMOTE_COMMUNICATION':
        return { type, time: now, commtype: f.type ?? '', data: event.data ?? '' };
      case 'SUPERVISOR_STATE_CHANGE_RUNNING':
      case 'SUPERVISOR_STATE_CHANGE_STOPPING':
        return { type, time: now };
      case 'TICK_5':
      case 'TICK_60':
      case 'TICK_3600':
        return { type, time: now, when: num('when') ?? Math.floor(now / 1000) };
      case 'PROCESS_GROUP_ADDED':
      case 'PROCESS_GROUP_REMOVED':
        return { type, time: now, groupname: f.groupname ?? '' };
      case 'PROCESS_HEALTH_HEALTHY':
      case 'PROCESS_HEALTH_UNHEALTHY':
        return {
          type,
          time: now,
          processname: f.processname ?? '',
          groupname: f.groupname ?? '',
          pid: num('pid') ?? 0,
          from_state: (f.from_state ?? 'UNKNOWN') as 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY',
          failures: num('failures') ?? 0,
          detail: (event.data ?? '').replace(/\n$/, ''),
        };
      case 'PROCESS_MEMORY_LIMIT':
        return { type, time: now, processname: f.processname ?? '', groupname: f.groupname ?? '', pid: num('pid') ?? 0, rss: num('rss') ?? 0, limit: num('limit') ?? 0 };
      default:
        return null;
    }
  }

  private wholeLines(key: string, data: string): string[] {
    const text = (this.partial.get(key) ?? '') + data;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.partial.set(key, text);
      return [];
    }
    if (end + 1 < text.length) this.partial.set(key, text.slice(end + 1));
    else this.partial.delete(key);
    return text.slice(0, end).split('\n');
  }
}
