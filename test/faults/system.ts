// Shared bits of the disk, socket, flapping, reload and output fault tests (helpers.ts beside it
// serves the listener, plugin, fluentd and webhook ones): a daemon in its own mount namespace (so
// a tiny tmpfs or a read-only bind mount exists only for it and vanishes with it), /proc probes of
// the daemon, and reading the ledgers that counting programs keep of what they wrote.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, makeTempDir } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';

export const RPC_SECTIONS = (socket: string): string =>
  `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;

export const NUMBERED_LINES = path.join(FIXTURES, 'numbered-lines.sh');

let namespaceProbe: string | null | undefined;

/**
 * Why the daemon cannot get a private mount namespace with a tmpfs here (no CAP_SYS_ADMIN, as in a
 * plain container), or null when it can. Probed once: unshare -m, then mount a tiny tmpfs.
 */
export function mountNamespaceUnavailable(): string | null {
  if (namespaceProbe !== undefined) return namespaceProbe;
  const dir = makeTempDir('ns-probe-');
  const result = spawnSync('unshare', ['-m', '--propagation', 'private', 'mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  namespaceProbe =
    result.error !== undefined || result.status !== 0
      ? `needs a private mount namespace with a tmpfs (unshare -m + mount, i.e. CAP_SYS_ADMIN): ${(result.error?.message ?? result.stderr).trim()}`
      : null;
  return namespaceProbe;
}

/**
 * A startDaemon launcher: a new mount namespace where `setup` (shell commands) runs as root, then
 * the daemon is exec'ed (same pid). Mounts made by `setup` are invisible outside and go away with
 * the daemon, whatever happens to the test.
 */
export function mountNamespaceLauncher(setup: string): string[] {
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `set -e; ${setup}; exec "$@"`, 'sh'];
}

/** `file` as the process `pid` sees it (through its mount namespace). */
export function seenBy(pid: number, file: string): string {
  return `/proc/${pid}/root${file}`;
}

/** Runs `mount ARGS` inside the mount namespace of `pid`. */
export function mountIn(pid: number, args: string[]): void {
  execFileSync('nsenter', ['-t', String(pid), '-m', 'mount', ...args]);
}

/** Writes zeros to `file` until the file system refuses (ENOSPC); returns the bytes written. */
export function fillUp(file: string): number {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(16 * 1024);
  let total = 0;
  try {
    for (;;) total += fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return total;
}

export function openFdCount(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

export function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
}

/** Lines of a file (empty when it does not exist yet), without the empty string after the last newline. */
export function readLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Answers getState over the unix socket: what "the daemon still answers RPC" means in these tests. */
export async function assertAnswersRpc(socket: string): Promise<void> {
  const state = (await rpcCall(socket, 'supervisor.getState')) as { statename: string };
  if (state.statename !== 'RUNNING') throw new Error(`getState answered ${JSON.stringify(state)}`);
}

/** Sum of every "(N bytes of output were dropped)" of `name` in the main log. */
export function droppedBytes(mainLog: string, name: string): number {
  let total = 0;
  for (const match of mainLog.matchAll(new RegExp(`INFO ${name}: writing .* again \\((\\d+) bytes of output were dropped\\)`, 'g'))) total += Number(match[1]);
  return total;
}
