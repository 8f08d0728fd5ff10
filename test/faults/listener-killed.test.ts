// A listener killed at every point of the eventlistener protocol (before READY, after READY,
// mid-event, before RESULT, mid-RESULT) and at random moments from outside, while two programs
// write 2000 numbered lines each: every line and every state event reaches the listener at
// least once, in order, with no serial skipped, and the daemon keeps answering RPC.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readJsonLines, waitFor } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { assertAllSeqs, assertAnswersRpc, faultFixture, seqsOf, SPAM_LINES, startFaultDaemon, waitForAsync, type FaultDaemon } from './helpers.js';

const LINES = 2000;
const WRITERS = ['w1', 'w2'];
const PHASES = ['before-ready', 'after-ready', 'mid-event', 'before-result', 'mid-result'];

interface Recorded {
  serial: number;
  eventname: string;
  payload: string;
  pid: number;
}

const records = (file: string): Recorded[] => readJsonLines<Recorded>(file);

/** A small seeded generator (mulberry32): a failing run can be replayed with FAULT_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function startPool(plan: string[], { answerDelayMs = 0, pauseMs = 120 } = {}): { daemon: FaultDaemon; recordFile: string } {
  let recordFile = '';
  const daemon = startFaultDaemon('listener', (dir) => {
    recordFile = path.join(dir, 'events.jsonl');
    // spool: the documented way to lose nothing while the only listener is down (docs/listeners.md)
    return (
      `[eventlistener:l]\ncommand=${process.execPath} ${faultFixture('dying-listener.mjs')}\nevents=PROCESS_LOG,PROCESS_STATE\n` +
      `buffer_overflow=spool\nautorestart=true\nstartsecs=0\n` +
      `environment=RECORD_FILE="${recordFile}",RUNS_FILE="${dir}/runs",PLAN="${plan.join(',')}",ANSWER_DELAY_MS="${answerDelayMs}"\n\n` +
      WRITERS.map(
        (w) =>
          `[program:${w}]\ncommand=${process.execPath} ${SPAM_LINES} ${w} ${LINES} ${pauseMs}\nstdout_events_enabled=true\nautorestart=false\nstartsecs=0\nstdout_logfile=${dir}/${w}.log\n`,
      ).join('\n')
    );
  });
  return { daemon, recordFile };
}

/** The lines of one writer as the listener recorded them, each event counted once (by serial). */
function linesOf(recorded: readonly Recorded[], writer: string, distinctOnly: boolean): number[] {
  const seen = new Set<number>();
  const lines: string[] = [];
  for (const r of recorded) {
    if (!r.eventname.startsWith('PROCESS_LOG_')) continue;
    if (distinctOnly && seen.has(r.serial)) continue;
    seen.add(r.serial);
    const [fields, ...data] = r.payload.split('\n');
    if (!fields!.includes(`processname:${writer} `)) continue;
    lines.push(...data.join('\n').split('\n').slice(0, -1));
  }
  return seqsOf(lines, writer);
}

const stateEventsOf = (recorded: readonly Recorded[], processname: string): string[] =>
  [...new Map(recorded.filter((r) => r.eventname.startsWith('PROCESS_STATE_') && r.payload.includes(`processname:${processname} `)).map((r) => [r.serial, r.eventname])).values()];

/** Waits until both writers' lines and their EXITED events were recorded. */
async function waitForEverything(recordFile: string, daemon: FaultDaemon, note: string): Promise<Recorded[]> {
  const done = (): Recorded[] | false => {
    const recorded = records(recordFile);
    const complete = WRITERS.every((w) => new Set(linesOf(recorded, w, true)).size >= LINES && stateEventsOf(recorded, w).includes('PROCESS_STATE_EXITED'));
    return complete && recorded;
  };
  return waitFor(done, 40_000, `every line and EXITED of both writers (${note})\n--- log:\n${daemon.mainLog()}`);
}

/** What docs/listeners.md promises for a crashing listener, counted on what the listener recorded. */
function assertDeliveredInOrder(recorded: readonly Recorded[], note: string): void {
  // one pool, one listener: the pool takes the serials 0, 1, 2... and sends them oldest first;
  // an event taken back from a dead listener goes out again first, so serials never go back
  for (let i = 1; i < recorded.length; i++) {
    assert.ok(recorded[i]!.serial >= recorded[i - 1]!.serial, `serial ${recorded[i]!.serial} recorded after ${recorded[i - 1]!.serial} (${note})`);
  }
  const serials = new Set(recorded.map((r) => r.serial));
  const max = Math.max(...serials);
  for (let serial = 0; serial <= max; serial++) assert.ok(serials.has(serial), `event ${serial} of ${max} reached the listener (${note})`);
  for (const writer of WRITERS) {
    const once = linesOf(recorded, writer, true);
    assertAllSeqs(once, LINES, `${writer} (${note})`);
    assert.deepEqual(once, Array.from({ length: LINES }, (_, i) => i), `${writer}: each line once per event, in order (${note})`);
    assert.deepEqual(stateEventsOf(recorded, writer), ['PROCESS_STATE_STARTING', 'PROCESS_STATE_RUNNING', 'PROCESS_STATE_EXITED'], `${writer}'s state events (${note})`);
  }
}

test('a listener killed at each point of the protocol: every line and state event arrives, in order, none skipped', async (t) => {
  const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
  const next = random(seed);
  // each phase twice, in a seeded order, after a seeded number of events answered normally
  const plan = [...PHASES, ...PHASES]
    .map((phase) => ({ phase, order: next() }))
    .sort((a, b) => a.order - b.order)
    .map(({ phase }) => `${phase}@${phase === 'before-ready' ? 0 : Math.floor(next() * 4)}`);
  const note = `FAULT_SEED=${seed}, plan ${plan.join(',')}`;
  t.diagnostic(note);
  const { daemon, recordFile } = startPool(plan);
  t.after(() => daemon.stop());

  await waitForEverything(recordFile, daemon, note);
  // every planned death happened (the plan is what the listener did, not what it was told)
  const deaths = await waitFor(() => {
    const text = fs.existsSync(`${recordFile}.deaths`) ? fs.readFileSync(`${recordFile}.deaths`, 'utf8') : '';
    return text.split('\n').length - 1 >= plan.length && text;
  }, 20_000, `${plan.length} deaths (${note})`);
  assert.deepEqual(deaths.trim().split('\n'), plan.map((p) => p.split('@')[0]));
  // the listener after the plan runs and gets events (at least the state changes of its start)
  const lastPid = await waitForAsync(async () => {
    const info = (await rpcCall(daemon.socket, 'supervisor.getProcessInfo', ['l'])) as { statename: string; pid: number };
    return info.statename === 'RUNNING' && fs.readFileSync(path.join(daemon.dir, 'runs'), 'utf8').length > plan.length && info.pid;
  }, 10_000, `the listener running after the plan (${note})`);
  await waitFor(() => records(recordFile).some((r) => r.pid === lastPid), 10_000, `events for the listener after the plan (${note})`);
  const recorded = records(recordFile);
  assertDeliveredInOrder(recorded, note);
  // a listener killed holding a recorded event gets it again: at least one resend per such death
  const resent = recorded.length - new Set(recorded.map((r) => r.serial)).size;
  assert.ok(resent >= plan.filter((p) => /before-result|mid-result/.test(p)).length, `${resent} events recorded twice (${note})`);
  assert.doesNotMatch(daemon.mainLog(), /discard/);
  t.diagnostic(`${recorded.length} events recorded, ${resent} of them again after a death`);
  await assertAnswersRpc(daemon);
});

test('a listener SIGKILLed from outside at random moments while lines stream: nothing lost, in order', async (t) => {
  const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
  const next = random(seed);
  const note = `FAULT_SEED=${seed}`;
  t.diagnostic(note);
  // a busy listener (40 ms per event) and writers that outlast the kills: most kills find it holding an event
  const { daemon, recordFile } = startPool([], { answerDelayMs: 40, pauseMs: 200 });
  t.after(() => daemon.stop());

  const killed = new Set<number>();
  // six kills, each at a random moment 50..450 ms after a new listener got its first event
  for (let i = 0; i < 6; i++) {
    const pid = await waitForAsync(async () => {
      const info = (await rpcCall(daemon.socket, 'supervisor.getProcessInfo', ['l'])) as { statename: string; pid: number };
      return info.statename === 'RUNNING' && !killed.has(info.pid) && records(recordFile).some((r) => r.pid === info.pid) && info.pid;
    }, 20_000, `listener run ${i + 1} receiving events`);
    await new Promise((resolve) => setTimeout(resolve, 50 + next() * 400));
    // this listener never dies on its own: the pid is still the one we saw
    process.kill(pid, 'SIGKILL');
    killed.add(pid);
  }
  await waitForEverything(recordFile, daemon, note);
  // the listener started after the last kill gets events too (at least its own state changes)
  await waitFor(() => records(recordFile).some((r) => !killed.has(r.pid)), 10_000, `events for the listener after the last kill (${note})`);
  const recorded = records(recordFile);
  assertDeliveredInOrder(recorded, note);
  assert.equal(new Set(recorded.map((r) => r.pid)).size, killed.size + 1, 'each kill started a new listener');
  const resent = recorded.length - new Set(recorded.map((r) => r.serial)).size;
  assert.ok(resent >= 1, 'at least one kill found the listener holding an event (else this test shows nothing)');
  t.diagnostic(`${recorded.length} events recorded, ${resent} of them again after a kill`);
  assert.doesNotMatch(daemon.mainLog(), /discard/);
  await assertAnswersRpc(daemon);
});
