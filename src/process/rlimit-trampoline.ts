// rlimit_* keys (beyond 4.2.5) are applied by /bin/sh's `ulimit` in the child, which then execs
// the program: same pid, same signals, and the limits hold from its first instruction. Neither
// posix_spawn nor Node's spawn can set a child's rlimits; changing the daemon's own around the
// spawn would lower them for the daemon too, and prlimit(2) after the spawn races the program's
// first instructions (ADR 0017).
import { spawnSync } from 'node:child_process';
import type { ProgramRlimit } from '../config/program-extensions.js';
import { currentLimit, RLIMIT_KINDS, UNLIMITED, type RlimitKey } from '../util/resource-limits.js';

export const TRAMPOLINE_SHELL = '/bin/sh';

/**
 * `ulimit` options by POSIX.1-2024 (-n -c -v -t) and their units: -c counts 512-byte blocks, -v
 * KiB. The process count has no POSIX letter: dash says -p, bash and busybox -u (probed once).
 */
const ULIMIT: Record<Exclude<RlimitKey, 'rlimit_nproc'>, { flag: string; unit: number }> = {
  rlimit_nofile: { flag: '-n', unit: 1 },
  rlimit_core: { flag: '-c', unit: 512 },
  rlimit_as: { flag: '-v', unit: 1024 },
  rlimit_cpu: { flag: '-t', unit: 1 },
};

let nprocFlag: string | undefined;

/** dash's -p is bash's pipe size (and it refuses -u): ask the shell once which one it knows. */
function processCountFlag(): string {
  if (nprocFlag === undefined) {
    const probe = spawnSync(TRAMPOLINE_SHELL, ['-c', 'ulimit -u'], { stdio: 'ignore', timeout: 5000 });
    nprocFlag = probe.status === 0 ? '-u' : '-p';
  }
  return nprocFlag;
}

function ulimitOf(key: RlimitKey): { flag: string; unit: number } {
  return key === 'rlimit_nproc' ? { flag: processCountFlag(), unit: 1 } : ULIMIT[key];
}

function shellValue(n: number, unit: number): string {
  return n === UNLIMITED ? 'unlimited' : String(Math.floor(n / unit));
}

function describe(limit: ProgramRlimit): string {
  const one = (n: number): string => (n === UNLIMITED ? 'infinity' : String(n));
  return limit.soft === limit.hard ? one(limit.soft) : `${one(limit.soft)}:${one(limit.hard)}`;
}

/**
 * The shell lines that set the limits, each failure said on stderr in 4.2.5's words for a child
 * that could not start (exit 127, which supervisord counts as a start that failed). A hard limit
 * being raised is set before the soft one, else after it: the soft limit may never pass the hard.
 */
export function rlimitPrelude(rlimits: readonly ProgramRlimit[], limitsText?: string): string {
  let script = '';
  for (const limit of rlimits) {
    const kind = RLIMIT_KINDS.find((k) => k.key === limit.key)!;
    const { flag, unit } = ulimitOf(limit.key);
    const own = currentLimit(kind, limitsText);
    const soft = `ulimit -S ${flag} ${shellValue(limit.soft, unit)}`;
    const hard = `ulimit -H ${flag} ${shellValue(limit.hard, unit)}`;
    const steps = own !== null && limit.hard > own.hard ? `${hard} && ${soft}` : `${soft} && ${hard}`;
    const said = `supervisor: couldn't set ${limit.key} to ${describe(limit)}`;
    script += `{ ${steps}; } || { echo "${said}" >&2; echo 'supervisor: child process was not spawned' >&2; exit 127; }\n`;
  }
  return script;
}

/** The argv that runs `script` then execs filename with argv's arguments in the same pid. */
export function throughShell(script: string, filename: string, argv: readonly string[]): { filename: string; argv: string[] } {
  return { filename: TRAMPOLINE_SHELL, argv: [TRAMPOLINE_SHELL, '-c', `${script}exec "$0" "$@"`, filename, ...argv.slice(1)] };
}
