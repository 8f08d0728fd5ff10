// The per-program resource limits beyond 4.2.5 (rlimit_nofile, rlimit_core, rlimit_nproc,
// rlimit_as, rlimit_cpu): what each key is, how /proc/<pid>/limits names it, and the limits this
// process has now (a child starts with them). Read by the config loader, which refuses a limit the
// daemon could never give, and by the start path (rlimit-trampoline.ts).
import fs from 'node:fs';

export type RlimitKey = 'rlimit_nofile' | 'rlimit_core' | 'rlimit_nproc' | 'rlimit_as' | 'rlimit_cpu';

export interface RlimitKind {
  key: RlimitKey;
  /** setrlimit's name, for messages */
  resource: string;
  /** systemd's directive for the same limit, for the docs and messages */
  systemd: string;
  /** the row of /proc/<pid>/limits */
  row: string;
  /** values take KB/MB/GB suffixes (bytes); else a plain count (files, processes, seconds) */
  bytes: boolean;
}

export const RLIMIT_KINDS: readonly RlimitKind[] = [
  { key: 'rlimit_nofile', resource: 'RLIMIT_NOFILE', systemd: 'LimitNOFILE=', row: 'Max open files', bytes: false },
  { key: 'rlimit_core', resource: 'RLIMIT_CORE', systemd: 'LimitCORE=', row: 'Max core file size', bytes: true },
  { key: 'rlimit_nproc', resource: 'RLIMIT_NPROC', systemd: 'LimitNPROC=', row: 'Max processes', bytes: false },
  { key: 'rlimit_as', resource: 'RLIMIT_AS', systemd: 'LimitAS=', row: 'Max address space', bytes: true },
  { key: 'rlimit_cpu', resource: 'RLIMIT_CPU', systemd: 'LimitCPU=', row: 'Max cpu time', bytes: false },
];

/** RLIM_INFINITY */
export const UNLIMITED = Infinity;

export interface LimitPair {
  soft: number;
  hard: number;
}

/** One limit of this process from /proc/self/limits (Infinity = unlimited); null if the row is missing. */
export function currentLimit(kind: RlimitKind, limitsText?: string): LimitPair | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith(kind.row));
  if (!line) return null;
  const [soft, hard] = line.slice(kind.row.length).trim().split(/\s+/);
  const num = (v: string | undefined): number => (v === 'unlimited' ? UNLIMITED : Number(v));
  return { soft: num(soft), hard: num(hard) };
}

/** fs.nr_open: the kernel's ceiling on RLIMIT_NOFILE, even for root. */
export function nofileCeiling(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()) || 1048576;
  } catch {
    return 1048576;
  }
}
