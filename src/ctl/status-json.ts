// Beyond 4.2.5: `status --json` (one object, schema in docs/supervisorctl.md) and the probe rule,
// under which STARTING, BACKOFF and FATAL fail as well, so a crash-looping program fails a probe.
import { notReadyBecause } from '../process/readiness.js';
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
  /** our daemon's health-check verdict ('unknown', 'healthy', 'unhealthy') for a process with a check; absent otherwise and from 4.2.5 */
  health?: unknown;
}

/** How the process last ended, as far as the server reports it. */
export interface ExitJson {
  /** epoch seconds of the exit */
  at: number;
  /** the exit code, or -1 when a signal killed it */
  exitstatus: number;
  /** the signal's name ("SIGKILL") when the server reports it, else null */
  signal: string | null;
  /** the main log's verdict ("expected" / "not expected"), when the server reports it, else null */
  expected: boolean | null;
  /** seconds between the spawn and the exit, when known, else null */
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

/** The exit record of one process: our daemon's `exit` member when it sends one, else derived from 4.2.5's fields. */
export function exitOf(info: ProcessInfo): ExitJson | null {
  const reported = reportedExit(info.exit);
  if (reported !== null) return reported;
  if (info.stop <= 0) return null;
  return {
    at: info.stop,
    exitstatus: info.exitstatus,
    signal: null,
    expected: null,
    // while a newer spawn runs, start belongs to it and says nothing about the last run
    uptime: info.start > 0 && info.stop >= info.start && !LIVE_STATES.has(info.state) ? info.stop - info.start : null,
  };
}

/** getProcessInfo's `exit` member as our supervisord sends it (src/rpc/supervisor-namespace.ts); null when absent or not of that shape. */
function reportedExit(member: unknown): ExitJson | null {
  if (member === null || typeof member !== 'object') return null;
  const { at, exitstatus, signal, expected, uptime } = member as Partial<Record<string, unknown>>;
  if (typeof at !== 'number' || typeof exitstatus !== 'number' || typeof expected !== 'boolean' || typeof uptime !== 'number') return null;
  // XML-RPC has no null: the member is left out when no signal ended the process
  return { at, exitstatus, signal: typeof signal === 'string' ? signal : null, expected, uptime };
}

const LIVE_STATES: ReadonlySet<number> = new Set([ProcessState.STARTING, ProcessState.RUNNING, ProcessState.STOPPING]);

/**
 * Probe mode passes only RUNNING processes (STOPPED/EXITED too fail, as in plain status), and, for
 * one with a health check, only once it passed: the rule of the daemon's /readyz. The verdict is
 * our daemon's `health` member; a server without it (4.2.5) is judged by state alone.
 */
export function failsProbe(info: Pick<ProcessInfo, 'state' | 'health'>): boolean {
  const health = info.health === 'unknown' || info.health === 'healthy' || info.health === 'unhealthy' ? info.health : 'none';
  return notReadyBecause({ state: info.state, health }) !== null;
}
