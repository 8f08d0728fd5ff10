// getProcessInfo's struct and 4.2.5's human description of it (the text `status` prints).
import { ProcessState, type ProcessStateName } from './states.js';

/** The fields of 4.2.5's getProcessInfo; times are whole epoch seconds. */
export interface ProcessInfo {
  name: string;
  group: string;
  description: string;
  start: number;
  stop: number;
  now: number;
  state: ProcessState;
  statename: ProcessStateName;
  spawnerr: string;
  exitstatus: number;
  logfile: string;
  stdout_logfile: string;
  stderr_logfile: string;
  pid: number;
}

/** Python's str(timedelta) for whole seconds: "0:00:05", "1 day, 2:03:04". */
export function formatUptime(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const days = Math.floor(total / 86400);
  const rest = total % 86400;
  const clock = `${Math.floor(rest / 3600)}:${pad2(Math.floor((rest % 3600) / 60))}:${pad2(rest % 60)}`;
  if (days === 0) return clock;
  return `${days} day${days === 1 ? '' : 's'}, ${clock}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime('%b %d %I:%M %p') in local time, e.g. "Mar 07 02:05 PM". */
export function formatStopTime(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  const hour12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  const ampm = date.getHours() < 12 ? 'AM' : 'PM';
  return `${MONTHS[date.getMonth()]} ${pad2(date.getDate())} ${pad2(hour12)}:${pad2(date.getMinutes())} ${ampm}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** 4.2.5's _interpretProcessInfo. */
export function describeProcess(info: Omit<ProcessInfo, 'description'>): string {
  switch (info.state) {
    case ProcessState.RUNNING:
      return `pid ${info.pid}, uptime ${formatUptime(info.now - info.start)}`;
    case ProcessState.FATAL:
    case ProcessState.BACKOFF:
      return info.spawnerr || `unknown error (try "tail ${info.name}")`;
    case ProcessState.STOPPED:
    case ProcessState.EXITED:
      return info.start ? formatStopTime(info.stop) : 'Not started';
    default:
      return '';
  }
}
