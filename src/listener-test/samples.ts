// The bench's built-in events: one of every type 4.2.5 sends, with the payloads that break
// listeners (non-ASCII text, an emoji, multi-line output, text with spaces and newlines). Each
// non-ASCII event is followed by an ASCII one, so a listener that stops short of a payload (len
// read as bytes) shows it on the next event, and the run ends with ASCII events.
import type { SupervisorEvent } from '../events/types.js';

export interface SampleEvent {
  event: SupervisorEvent;
  /** what this sample is there to try, shown beside it in the report */
  label: string;
}

const program = { processname: 'web', groupname: 'web' } as const;
const PID = 4242;

/** `now` (epoch ms) stamps the events and the ticks' `when`. */
export function sampleEvents(now = Date.now()): SampleEvent[] {
  const when = Math.floor(now / 1000);
  const time = now;
  const samples: SampleEvent[] = [
    { label: 'no payload', event: { type: 'SUPERVISOR_STATE_CHANGE_RUNNING', time } },
    { label: 'newline-ended payload', event: { type: 'PROCESS_GROUP_ADDED', time, groupname: 'web' } },
    { label: '', event: { type: 'PROCESS_STATE_STARTING', time, ...program, from_state: 'STOPPED', tries: 0 } },
    { label: '', event: { type: 'PROCESS_STATE_RUNNING', time, ...program, from_state: 'STARTING', pid: PID } },
    { label: '', event: { type: 'TICK_5', time, when: when - (when % 5) } },
    { label: 'one line', event: { type: 'PROCESS_LOG_STDOUT', time, ...program, pid: PID, channel: 'stdout', lines: ['listening on :8080'] } },
    { label: 'multi-line', event: { type: 'PROCESS_LOG_STDERR', time, ...program, pid: PID, channel: 'stderr', lines: ['Traceback (most recent call last):', '  File "app.py", line 3', 'ValueError: boom'] } },
    { label: 'type and data with spaces and a newline', event: { type: 'REMOTE_COMMUNICATION', time, commtype: 'deploy notice', data: 'version 2.1\nrolled out' } },
    { label: 'non-ASCII (accents)', event: { type: 'PROCESS_LOG_STDOUT', time, ...program, pid: PID, channel: 'stdout', lines: ['café déjà vu', 'naïve façade'] } },
    { label: '', event: { type: 'PROCESS_STATE_STOPPING', time, ...program, from_state: 'RUNNING', pid: PID } },
    { label: 'emoji (4-byte characters)', event: { type: 'REMOTE_COMMUNICATION', time, commtype: 'chat', data: 'deploy done 🎉🚀' } },
    { label: '', event: { type: 'PROCESS_STATE_EXITED', time, ...program, from_state: 'RUNNING', expected: false, pid: PID } },
    { label: 'bytes with a CJK text', event: { type: 'PROCESS_COMMUNICATION_STDOUT', time, ...program, pid: PID, data: Buffer.from('準備完了 ready') } },
    { label: '', event: { type: 'PROCESS_STATE_BACKOFF', time, ...program, from_state: 'STARTING', tries: 1 } },
    { label: '', event: { type: 'PROCESS_STATE_STOPPED', time, ...program, from_state: 'STOPPING', pid: PID } },
    { label: '', event: { type: 'PROCESS_STATE_FATAL', time, ...program, from_state: 'BACKOFF' } },
    { label: '', event: { type: 'PROCESS_COMMUNICATION_STDERR', time, ...program, pid: PID, data: Buffer.from('progress 50%') } },
    { label: '', event: { type: 'PROCESS_STATE_UNKNOWN', time, ...program, from_state: 'RUNNING' } },
    { label: '', event: { type: 'TICK_60', time, when: when - (when % 60) } },
    { label: '', event: { type: 'TICK_3600', time, when: when - (when % 3600) } },
    { label: 'beyond 4.2.5', event: { type: 'PROCESS_HEALTH_UNHEALTHY', time, ...program, pid: PID, from_state: 'HEALTHY', failures: 3, detail: 'HTTP 500' } },
    { label: 'beyond 4.2.5', event: { type: 'PROCESS_HEALTH_HEALTHY', time, ...program, pid: PID, from_state: 'UNHEALTHY', failures: 0, detail: 'HTTP 200' } },
    { label: 'beyond 4.2.5', event: { type: 'PROCESS_MEMORY_LIMIT', time, ...program, pid: PID, rss: 567_345_152, limit: 536_870_912 } },
    { label: '', event: { type: 'PROCESS_GROUP_REMOVED', time, groupname: 'web' } },
    { label: '', event: { type: 'SUPERVISOR_STATE_CHANGE_STOPPING', time } },
  ];
  return samples;
}
