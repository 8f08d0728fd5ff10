// Beyond 4.2.5: `status --json` (one object, schema in docs/supervisorctl.md) and the probe rule,
// under which STARTING, BACKOFF and FATAL fail as well, so a crash-looping program fails a probe.
import { ProcessState } from '../process/states.js';

/** Bumped only on an incompatible change to the document below. */
export const STATUS_JSON_VERSION = 1;

/** 4.2.5's process info struct (getProcessInfo / getAllProcessInfo). */
export interface ProcessInfo {
  name: string;
  group: string;
  start: number;
  stop: number;
  now: number;
  state: number;
  statename: string;
  spawnerr: string;
  exitstatus: number;
  logfile: string;
  stdout_logfile: string;
  stderr_logfile: string;
  pid: number;
  description: string;
  /** our daemon, for a program with memory_limit: its limit in KiB */
  memory_limit_kb?: number;
  /** our daemon, for a program with memory_limit while it runs: resident KiB of the process and its descendants */
  rss_kb?: number;
  /** our daemon's exit record, when it sends one (4.2.5 does not) */
  exit?: unknown;
}

/** How the process last ended, as far as the server reports it. */
export interface ExitJson {
  /** epoch seconds of the exit */
  at: number;
  /** the exit code, or -1 when a signal killed it */
  exitstatus: number;
  /** the signal's name ("SIGKILL") when the server reports it, else null */
  signal: string | null;
  /** whether the exit code was in exitcodes, when the server reports it, else null */
  expected: boolean | null;
  /** seconds between the spawn and the exit, when both are known, else null */
  uptime: number | null;
}

export interface StatusJson {
  version: number;
  /** the listed processes, in status order */
  processes: Array<Omit<ProcessInfo, 'exit'> & { namespec: string; exit: ExitJson | null }>;
  /** names that matched nothing, with 4.2.5's reason text ("no such process" / "no such group") */
  errors: Array<{ name: string; error: string }>;
  /** the exit status supervisorctl returns */
  exitstatus: number;
}

/** The exit record of one process: from our daemon's `exit` member if present, else derived. */
export function exitOf(info: ProcessInfo): ExitJson | null {
  const reported = info.exit as Partial<Record<string, unknown>> | undefined;
  if (info.stop <= 0) return null;
  return {
    at: info.stop,
    exitstatus: info.exitstatus,
    signal: typeof reported?.signal === 'string' ? reported.signal : null,
    expected: typeof reported?.expected === 'boolean' ? reported.expected : null,
    // while a newer spawn runs, start belongs to it and says nothing about the last run
    uptime: info.start > 0 && info.stop >= info.start && !LIVE_STATES.has(info.state) ? info.stop - info.start : null,
  };
}

const LIVE_STATES: ReadonlySet<number> = new Set([ProcessState.STARTING, ProcessState.RUNNING, ProcessState.STOPPING]);

/** Probe mode passes only RUNNING processes (STOPPED/EXITED too fail, as in plain status). */
export function failsProbe(state: number): boolean {
  return state !== ProcessState.RUNNING;
}
