// The [program:x] keys beyond 4.2.5 that change how supervisord runs the program as a whole:
// essential programs, the restart policy, dependencies and health checks (docs/operations.md,
// docs/containers.md), memory limits and rlimits. 4.2.5 ignores unknown keys, so a file using them
// still runs under it. Read once per process by the loader; a bad value is a config error naming
// the key and section.
import { boolean, byteSize, integer } from './datatypes.js';
import { PyValueError } from './python.js';
import { currentLimit, nofileCeiling, RLIMIT_KINDS, UNLIMITED, type RlimitKey } from '../util/resource-limits.js';

export type BackoffStrategy = 'linear' | 'exponential';

export interface RestartPolicy {
  /** linear: the n-th failed start waits n seconds (4.2.5); exponential: 1, 2, 4, 8... seconds */
  strategy: BackoffStrategy;
  /** the longest wait between two starts, in seconds; null = no cap */
  maxDelaySecs: number | null;
  /** never FATAL: keep retrying after startretries */
  forever: boolean;
}

export type DependencyCondition = 'running' | 'healthy';

export interface Dependency {
  /** a [program:NAME] (or [fcgi-program:NAME]) of the same config */
  program: string;
  /** running: every process of it RUNNING; healthy: and passing its health check (RUNNING when it has none) */
  condition: DependencyCondition;
}

export type HealthCheckKind = 'http' | 'tcp' | 'command';

export interface HealthCheckSpec {
  kind: HealthCheckKind;
  /** http: the URL; tcp: host:port; command: a /bin/sh command line */
  target: string;
  intervalMs: number;
  timeoutMs: number;
  /** consecutive failures that make the process unhealthy (and restarted) */
  retries: number;
  /** after RUNNING, failures during this long do not count */
  startPeriodMs: number;
}

export interface MemoryLimit {
  /** resident bytes of the process tree past which the program is restarted */
  bytes: number;
  /** how long it must stay past the limit first; 0 = at the first sample past it */
  graceMs: number;
}

/** One rlimit_* key: soft and hard limit (Infinity = unlimited), applied before the program runs. */
export interface ProgramRlimit {
  key: RlimitKey;
  soft: number;
  hard: number;
}

export interface ProgramExtensions {
  /** when the process goes FATAL or exits for good, supervisord stops everything and exits 1 */
  essential: boolean;
  restart: RestartPolicy;
  dependsOn: Dependency[];
  healthcheck: HealthCheckSpec | null;
  memoryLimit: MemoryLimit | null;
  /** in RLIMIT_KINDS order; empty = the daemon's limits, as 4.2.5 */
  rlimits: ProgramRlimit[];
}

export const DEFAULT_EXTENSIONS: ProgramExtensions = Object.freeze({
  essential: false,
  restart: Object.freeze({ strategy: 'linear', maxDelaySecs: null, forever: false }),
  dependsOn: [],
  healthcheck: null,
  memoryLimit: null,
  rlimits: [],
}) as ProgramExtensions;

/** the cap of exponential backoff when backoff_max_secs is not given */
export const DEFAULT_EXPONENTIAL_CAP_SECS = 60;

/** Keys whose values take the process's %-expansions (e.g. a port per %(process_num)s). */
const EXPANDED_KEYS = new Set(['healthcheck_http', 'healthcheck_tcp', 'healthcheck_command']);

const HEALTHCHECK_TARGETS: Record<string, HealthCheckKind> = {
  healthcheck_http: 'http',
  healthcheck_tcp: 'tcp',
  healthcheck_command: 'command',
};

/**
 * Reads the keys from a section's raw values. `expand` applies the process's %-expansions to the
 * keys that take them. Throws PyValueError naming the key and section.
 */
export function readProgramExtensions(section: string, raw: Readonly<Record<string, string>>, expand: (value: string, key: string) => string = (v) => v): ProgramExtensions {
  const get = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    return (EXPANDED_KEYS.has(key) ? expand(value, key) : value).trim();
  };
  const read = <T>(key: string, fallback: T, convert: (value: string) => T): T => {
    const value = get(key);
    if (value === undefined) return fallback;
    try {
      return convert(value);
    } catch (err) {
      throw new PyValueError(`invalid value for ${key} in section [${section}]: ${(err as Error).message}`);
    }
  };

  const strategy = read<BackoffStrategy>('backoff_strategy', 'linear', (v) => oneOf(v, ['linear', 'exponential']));
  const restart: RestartPolicy = {
    strategy,
    maxDelaySecs: read<number | null>('backoff_max_secs', strategy === 'exponential' ? DEFAULT_EXPONENTIAL_CAP_SECS : null, (v) => atLeast(integer(v), 1)),
    forever: read('retry_forever', false, boolean),
  };

  const targets = Object.keys(HEALTHCHECK_TARGETS).filter((key) => get(key) !== undefined);
  if (targets.length > 1) throw new PyValueError(`section [${section}] sets ${targets.join(' and ')}: a program has one health check`);
  let healthcheck: HealthCheckSpec | null = null;
  if (targets.length === 1) {
    const key = targets[0]!;
    const kind = HEALTHCHECK_TARGETS[key]!;
    const target = read(key, '', (v) => checkTarget(kind, v));
    healthcheck = {
      kind,
      target,
      intervalMs: read('healthcheck_interval', 10_000, (v) => seconds(v, 0.1)),
      timeoutMs: read('healthcheck_timeout', 5_000, (v) => seconds(v, 0.1)),
      retries: read('healthcheck_retries', 3, (v) => atLeast(integer(v), 1)),
      startPeriodMs: read('healthcheck_start_period', 0, (v) => seconds(v, 0)),
    };
  } else {
    for (const key of ['healthcheck_interval', 'healthcheck_timeout', 'healthcheck_retries', 'healthcheck_start_period']) {
      if (get(key) !== undefined) throw new PyValueError(`${key} in section [${section}] needs healthcheck_http, healthcheck_tcp or healthcheck_command`);
    }
  }

  const memoryBytes = read('memory_limit', 0, (v) => atLeast(byteSize(v), 0));
  const graceMs = read('memory_limit_grace', 0, (v) => seconds(v, 0));
  if (memoryBytes === 0 && get('memory_limit_grace') !== undefined) throw new PyValueError(`memory_limit_grace in section [${section}] needs memory_limit`);

  const rlimits: ProgramRlimit[] = [];
  for (const kind of RLIMIT_KINDS) {
    const limit = read<ProgramRlimit | null>(kind.key, null, (v) => parseRlimit(kind.key, v));
    if (limit) rlimits.push(limit);
  }

  return {
    essential: read('essential', false, boolean),
    restart,
    dependsOn: read('depends_on', [], parseDependencies),
    healthcheck,
    memoryLimit: memoryBytes > 0 ? { bytes: memoryBytes, graceMs } : null,
    rlimits,
  };
}

/**
 * "soft[:hard]" as systemd's Limit*= takes it: one value sets both; "infinity" (or "unlimited")
 * for no limit; sizes for rlimit_core and rlimit_as take KB/MB/GB. A value the daemon could never
 * give (soft above hard, a hard limit above its own when it is not root) is refused here, not at
 * each start.
 */
function parseRlimit(key: RlimitKey, value: string): ProgramRlimit {
  const kind = RLIMIT_KINDS.find((k) => k.key === key)!;
  const parts = value.split(':');
  if (parts.length > 2 || parts.some((p) => p.trim() === '')) throw new Error(`not soft[:hard]: '${value}'`);
  const one = (text: string): number => {
    const t = text.trim().toLowerCase();
    if (t === 'infinity' || t === 'unlimited') return UNLIMITED;
    const n = kind.bytes ? byteSize(t) : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a ${kind.bytes ? 'size' : 'number'} or infinity: '${text.trim()}'`);
    return n;
  };
  const soft = one(parts[0]!);
  const hard = parts.length === 2 ? one(parts[1]!) : soft;
  if (soft > hard) throw new Error(`the soft limit ${describeLimit(soft)} is above the hard limit ${describeLimit(hard)}`);
  if (key === 'rlimit_nofile' && hard !== UNLIMITED && hard > nofileCeiling()) throw new Error(`${hard} is above the kernel's ceiling fs.nr_open (${nofileCeiling()})`);
  if (key === 'rlimit_nofile' && hard === UNLIMITED) throw new Error(`open files cannot be unlimited (the kernel's ceiling is fs.nr_open, ${nofileCeiling()})`);
  const own = currentLimit(kind);
  // only root may raise a hard limit; a child starts with the daemon's
  if (own && hard > own.hard && process.getuid?.() !== 0) {
    throw new Error(`${describeLimit(hard)} is above supervisord's own hard limit ${describeLimit(own.hard)}, which only root can raise`);
  }
  return { key, soft, hard };
}

function describeLimit(n: number): string {
  return n === UNLIMITED ? 'infinity' : String(n);
}

/** "db, cache:healthy" -> [{program: db, condition: running}, {program: cache, condition: healthy}] */
function parseDependencies(value: string): Dependency[] {
  const dependencies: Dependency[] = [];
  for (const item of value.split(/[,\s]+/).filter(Boolean)) {
    const [program, condition = 'running', ...rest] = item.split(':');
    if (!program || rest.length > 0) throw new Error(`not a program name with an optional :running or :healthy: '${item}'`);
    dependencies.push({ program, condition: oneOf(condition, ['running', 'healthy']) });
  }
  return dependencies;
}

function checkTarget(kind: HealthCheckKind, value: string): string {
  if (value === '') throw new Error('empty');
  if (kind === 'http') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`not a URL: '${value}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`not an http:// or https:// URL: '${value}'`);
  }
  if (kind === 'tcp') {
    const match = /^(.+):(\d+)$/.exec(value);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) throw new Error(`not host:port: '${value}'`);
  }
  return value;
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): T {
  const lower = value.toLowerCase();
  if ((allowed as readonly string[]).includes(lower)) return lower as T;
  throw new Error(`'${value}' is not one of ${allowed.join(', ')}`);
}

function atLeast(n: number, min: number): number {
  if (n < min) throw new Error(`must be at least ${min}, got ${n}`);
  return n;
}

/** Seconds, decimals allowed ("0.5"), to milliseconds. */
function seconds(value: string, min: number): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`not a number of seconds: '${value}'`);
  return Math.round(atLeast(Number(value), min) * 1000);
}
