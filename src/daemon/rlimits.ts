// Raises RLIMIT_NOFILE / RLIMIT_NPROC to minfds / minprocs as 4.2.5 does at startup. Node has no
// setrlimit, so the limits are read from /proc/self/limits and raised with util-linux `prlimit`
// on our own pid: one short-lived helper at boot, nothing at run time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

interface Limit {
  soft: number; // -1 = unlimited
  hard: number;
}

const ROWS = { RLIMIT_NOFILE: 'Max open files', RLIMIT_NPROC: 'Max processes' } as const;
const PRLIMIT_FLAG = { RLIMIT_NOFILE: '--nofile', RLIMIT_NPROC: '--nproc' } as const;

export type LimitName = keyof typeof ROWS;

export function readLimit(name: LimitName, limitsText = fs.readFileSync('/proc/self/limits', 'utf8')): Limit | null {
  const line = limitsText.split('\n').find((l) => l.startsWith(ROWS[name]));
  if (!line) return null;
  const [soft, hard] = line.slice(ROWS[name].length).trim().split(/\s+/);
  const num = (v: string | undefined): number => (v === 'unlimited' ? -1 : Number(v));
  return { soft: num(soft), hard: num(hard) };
}

const MESSAGES: Record<LimitName, (min: number, hard: number) => string> = {
  RLIMIT_NOFILE: (min, hard) =>
    `The minimum number of file descriptors required to run this process is ${min} as per the "minfds" ` +
    `command-line argument or config file setting. The current environment will only allow you to open ` +
    `${hard} file descriptors.  Either raise the number of usable file descriptors in your environment ` +
    `(see README.rst) or lower the minfds setting in the config file to allow the process to start.`,
  RLIMIT_NPROC: (min, hard) =>
    `The minimum number of available processes required to run this program is ${min} as per the "minprocs" ` +
    `command-line argument or config file setting. The current environment will only allow you to open ` +
    `${hard} processes.  Either raise the number of usable processes in your environment (see README.rst) ` +
    `or lower the minprocs setting in the config file to allow the program to start.`,
};

export class RlimitError extends Error {}

/** Sets the soft limit to `min` (and the hard one too when it is lower, which needs privileges); false when refused. */
function raiseTo(name: LimitName, min: number, current: Limit): boolean {
  const hard = current.hard !== -1 && current.hard < min ? min : current.hard;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `${PRLIMIT_FLAG[name]}=${min}:${hard === -1 ? 'unlimited' : hard}`], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** Returns the INFO lines to log ("Increased RLIMIT_NOFILE limit to N"); throws RlimitError with 4.2.5's text. */
export function raiseLimits(minimums: Record<LimitName, number>): string[] {
  const infos: string[] = [];
  for (const name of Object.keys(ROWS) as LimitName[]) {
    const min = minimums[name];
    const current = readLimit(name);
    if (!current || current.soft === -1 || current.soft >= min) continue;
    if (!raiseTo(name, min, current)) throw new RlimitError(MESSAGES[name](min, current.hard));
    infos.push(`Increased ${name} limit to ${min}`);
  }
  return infos;
}

/**
 * Descriptors supervisord needs before it can even read "minfds" from its config file: Node's own
 * (about 20), reading its modules, its main log, its servers, and a few programs. 4.2.5 needs a
 * handful; with fewer than this ours used to die with EMFILE while loading its modules.
 */
export const DESCRIPTORS_TO_START = 64;

/**
 * Raises RLIMIT_NOFILE to DESCRIPTORS_TO_START when it is lower (Node has already raised its soft
 * limit to the hard one: only a privileged process can go further). Returns the message to exit
 * with, worded as 4.2.5's for minfds, when that is not possible.
 */
export function ensureDescriptorsToStart(): string | null {
  const current = readLimit('RLIMIT_NOFILE');
  if (!current || current.soft === -1 || current.soft >= DESCRIPTORS_TO_START) return null;
  if (raiseTo('RLIMIT_NOFILE', DESCRIPTORS_TO_START, current)) return null;
  const allowed = current.hard !== -1 && current.hard < DESCRIPTORS_TO_START ? current.hard : current.soft;
  return (
    `The minimum number of file descriptors required to run this process is ${DESCRIPTORS_TO_START}, whatever the "minfds" ` +
    `setting. The current environment will only allow you to open ${allowed} file descriptors.  Raise the number of ` +
    `usable file descriptors in your environment (ulimit -n, or LimitNOFILE= for a systemd service) to allow the process to start.`
  );
}
