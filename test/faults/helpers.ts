// Shared bits of the fault-injection suite: a daemon with an RPC socket, the check every fault
// test ends with (the daemon still answers RPC), and the line counting done end to end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, REPO_ROOT, startDaemon, writeConfig, type RunningDaemon } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';

export const FAULT_FIXTURES = path.join(REPO_ROOT, 'test', 'faults', 'fixtures');
/** `NAME COUNT [PAUSE_MS]`: COUNT lines "NAME SEQ xxx...", batches of 50, PAUSE_MS between batches */
export const SPAM_LINES = path.join(REPO_ROOT, 'test', 'plugins', 'fixtures', 'spam-lines.mjs');
/** a process that sleeps forever: keeps the run's state interesting after the writers ended */
export const FOREVER = path.join(REPO_ROOT, 'test', 'fixtures', 'forever.sh');

export function faultFixture(name: string): string {
  return path.join(FAULT_FIXTURES, name);
}

export interface FaultDaemon extends RunningDaemon {
  socket: string;
}

/** Our supervisord, in the foreground, on a fresh temp dir with a unix RPC socket; `{DIR}` in body is that dir. */
export function startFaultDaemon(prefix: string, body: (dir: string) => string): FaultDaemon {
  const dir = makeTempDir(`sv-fault-${prefix}-`);
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n${body(dir)}`,
  );
  return { ...startDaemon(dir, ['-n', '-c', conf]), socket };
}

/** The closing check of every fault: the daemon is RUNNING and says so over XML-RPC. */
export async function assertAnswersRpc(daemon: FaultDaemon): Promise<void> {
  assert.equal(daemon.child.exitCode, null, `the daemon is still running\n--- log:\n${daemon.mainLog()}`);
  const state = (await rpcCall(daemon.socket, 'supervisor.getState')) as { statename: string };
  assert.equal(state.statename, 'RUNNING');
}

/** Lines in a file so far (a partial last line is not counted). */
export function lineCount(file: string): number {
  try {
    const text = fs.readFileSync(file, 'utf8');
    let n = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

/** The sequence numbers of spam-lines.mjs output for program `name` found in `lines`, in order. */
export function seqsOf(lines: readonly string[], name: string): number[] {
  const out: number[] = [];
  const prefix = `${name} `;
  for (const line of lines) {
    if (!line.startsWith(prefix)) continue;
    out.push(Number(line.slice(prefix.length, line.indexOf(' ', prefix.length))));
  }
  return out;
}

/** Asserts that 0..count-1 each occur in `seqs` (at least once). */
export function assertAllSeqs(seqs: Iterable<number>, count: number, what: string): void {
  const seen = new Set(seqs);
  const missing: number[] = [];
  for (let seq = 0; seq < count; seq++) if (!seen.has(seq)) missing.push(seq);
  assert.deepEqual(missing.slice(0, 20), [], `${what}: ${missing.length} of ${count} lines missing`);
}

/**
 * waitFor for probes that need I/O (an RPC call): polls every 50 ms until one resolves truthy; a
 * probe that rejects (the socket not there yet) counts as not yet, and its last error is reported.
 */
export async function waitForAsync<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = ` (last error: ${(err as Error).message})`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
