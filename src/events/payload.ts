// 4.2.5's payload text for each event type, byte for byte (reference/events.md section 10).
import type { SupervisorEvent } from './types.js';

/** Process output as 4.2.5 puts it in a payload: UTF-8 text, or `Undecodable: b'...'` for the whole chunk. */
export function decodeOutput(data: Buffer): string {
  const text = data.toString('utf8');
  // a lossless round trip means the bytes were valid UTF-8
  if (!text.includes('\ufffd') || Buffer.from(text, 'utf8').equals(data)) return text;
  return `Undecodable: ${pythonBytesRepr(data)}`;
}

/** Python's repr() of a bytes object. */
export function pythonBytesRepr(data: Buffer): string {
  const hasSingle = data.includes(0x27);
  const hasDouble = data.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = 'b' + quote;
  for (const byte of data) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === quote.charCodeAt(0)) out += '\\' + quote;
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte < 0x20 || byte >= 0x7f) out += '\\x' + byte.toString(16).padStart(2, '0');
    else out += String.fromCharCode(byte);
  }
  return out + quote;
}

export function renderPayload(event: SupervisorEvent): string {
  switch (event.type) {
    case 'PROCESS_STATE_STARTING':
    case 'PROCESS_STATE_BACKOFF':
      return `${stateBase(event)} tries:${event.tries ?? 0}`;
    case 'PROCESS_STATE_RUNNING':
    case 'PROCESS_STATE_STOPPING':
    case 'PROCESS_STATE_STOPPED':
      return `${stateBase(event)} pid:${event.pid ?? 0}`;
    case 'PROCESS_STATE_EXITED':
      return `${stateBase(event)} expected:${event.expected ? 1 : 0} pid:${event.pid ?? 0}`;
    case 'PROCESS_STATE_FATAL':
    case 'PROCESS_STATE_UNKNOWN':
      return stateBase(event);
    case 'PROCESS_LOG_STDOUT':
    case 'PROCESS_LOG_STDERR':
      // whole lines only, each with its newline: 4.2.5 sends raw chunks that can end mid-line
      return `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} channel:${event.channel}\n${event.lines.join('\n')}\n`;
    case 'PROCESS_COMMUNICATION_STDOUT':
    case 'PROCESS_COMMUNICATION_STDERR':
      return `processname:${event.processname} groupname:${event.groupname} pid:${event.pid}\n${decodeOutput(event.data)}`;
    case 'REMOTE_COMMUNICATION':
      return `type:${event.commtype}\n${event.data}`;
    case 'SUPERVISOR_STATE_CHANGE_RUNNING':
    case 'SUPERVISOR_STATE_CHANGE_STOPPING':
      return '';
    case 'TICK_5':
    case 'TICK_60':
    case 'TICK_3600':
      return `when:${event.when}`;
    case 'PROCESS_HEALTH_HEALTHY':
    case 'PROCESS_HEALTH_UNHEALTHY':
      // tokens as PROCESS_STATE's, then the check's own words on the next line, as PROCESS_LOG's data
      return `${stateBase(event)} pid:${event.pid} failures:${event.failures}\n${event.detail.replace(/\n/g, ' ')}\n`;
    case 'PROCESS_MEMORY_LIMIT':
      return `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} rss:${event.rss} limit:${event.limit}`;
    case 'PROCESS_GROUP_ADDED':
    case 'PROCESS_GROUP_REMOVED':
      // the one token set 4.2.5 ends with a newline
      return `groupname:${event.groupname}\n`;
  }
}

function stateBase(event: { processname: string; groupname: string; from_state: string }): string {
  return `processname:${event.processname} groupname:${event.groupname} from_state:${event.from_state}`;
}
