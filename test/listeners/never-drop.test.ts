// The scenario, under our daemon and the real 4.2.5 on the same config: a pool with
// buffer_size=2 and a slow Python childutils listener (0.2 s per event), held BUSY on its first
// event while 7 more REMOTE_COMMUNICATION events arrive over XML-RPC. With no buffer_overflow
// key ours delivers all 8, in order, once (the rest waited in the spool) where 4.2.5 keeps
// ev0, ev6, ev7; with buffer_overflow=drop both keep ev0, ev6, ev7 and log the loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, makeTempDir, readJsonLines, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { startParityPair, type ParityDaemon } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { getOverSocket, parseMetrics } from '../metrics/scrape.js';

const LISTENER = path.join(FIXTURES, 'listener.py');
const SPOOL_NAME = /^l-events---supervisor-[0-9a-f]{12}\.spool$/;

interface Recorded {
  serial: number;
  data: string;
}

// GATE: the listener answers its first event only once the file exists
const pool = (extra: string): string =>
  `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nbuffer_size=2\nstartsecs=0\n${extra}` +
  `environment=RECORD_FILE="{DIR}/rec.jsonl",GATE="{DIR}/gate",DELAY="0.2"\n`;

const records = (dir: string): Recorded[] => readJsonLines<Recorded>(path.join(dir, 'rec.jsonl'));
const spoolFiles = (dir: string): string[] => fs.readdirSync(dir).filter((name) => SPOOL_NAME.test(name));

/** ev0 goes out and is held; ev1..ev7 follow while the listener is BUSY on it. */
async function fillWhileBusy(socket: string, dir: string, who: string): Promise<void> {
  const send = (data: string) => rpcCall(socket, 'supervisor.sendRemoteCommEvent', ['burst', data]);
  await send('ev0');
  await waitFor(() => records(dir).length >= 1, 10_000, `${who}: the listener to hold ev0`);
  for (let i = 1; i < 8; i++) await send(`ev${i}`);
}

/**
 * Opens the gate and returns what the listener got. The stream's end is known without timing:
 * once `expected` records are in, one more event is sent; the pool is FIFO, so whatever else it
 * still held would come before that one.
 */
async function drain(d: ParityDaemon, expected: number): Promise<string[]> {
  fs.writeFileSync(path.join(d.dir, 'gate'), '');
  await waitFor(() => records(d.dir).length >= expected, 15_000, `${d.kind}: ${expected} deliveries (have ${records(d.dir).length})`);
  await rpcCall(d.socket, 'supervisor.sendRemoteCommEvent', ['burst', 'end']);
  const all = await waitFor(() => records(d.dir).some((r) => r.data === 'end') && records(d.dir), 10_000, `${d.kind}: the end marker`);
  return all.slice(0, -1).map((r) => `${r.serial}:${r.data}`);
}

async function poolMetrics(socket: string) {
  const m = parseMetrics((await getOverSocket(socket, '/metrics')).body);
  const value = (name: string) => m.value(`supervisor_listener_pool_${name}`, { pool: 'l' });
  return {
    delivered: value('events_delivered_total'),
    dropped: value('events_dropped_total'),
    spooledTotal: value('events_spooled_total'),
    buffered: value('buffered_events'),
    spooled: value('spooled_events'),
  };
}

/** The metrics once `delivered` events were answered OK (the last answer follows its record by DELAY). */
async function poolMetricsOnceDelivered(socket: string, delivered: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const metrics = await poolMetrics(socket);
    if (metrics.delivered >= delivered || Date.now() > deadline) return metrics;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settle = async (d: ParityDaemon): Promise<void> => void (await waitFor(() => d.mainLog().match(/success: l entered RUNNING/), 10_000, `${d.kind}: l RUNNING`));

test('no buffer_overflow key: all 8 events of a burst reach a slow listener behind buffer_size=2, in order, once (4.2.5 keeps ev0, ev6, ev7)', async (t) => {
  const pair = await startParityPair(pool(''));
  t.after(() => pair.stop());
  await Promise.all(pair.both.map(settle));
  await Promise.all(pair.both.map((d) => fillWhileBusy(d.socket, d.dir, d.kind)));

  // while the listener is held: two in memory, five on disk, none dropped
  assert.deepEqual(await poolMetrics(pair.ours.socket), { delivered: 0, dropped: 0, spooledTotal: 5, buffered: 2, spooled: 5 });
  assert.equal(spoolFiles(pair.ours.dir).length, 1);

  const [ours, reference] = await Promise.all([drain(pair.ours, 8), drain(pair.reference, 3)]);
  assert.deepEqual(ours, ['0:ev0', '1:ev1', '2:ev2', '3:ev3', '4:ev4', '5:ev5', '6:ev6', '7:ev7']);
  assert.deepEqual(reference, ['0:ev0', '6:ev6', '7:ev7'], "4.2.5's drop-oldest buffer, for comparison");
  assert.equal((pair.reference.mainLog().match(/pool l event buffer overflowed, discarding event \d+/g) ?? []).length, 5);
  assert.doesNotMatch(pair.ours.mainLog(), /discard/);
  assert.deepEqual(await poolMetricsOnceDelivered(pair.ours.socket, 9), { delivered: 9, dropped: 0, spooledTotal: 5, buffered: 0, spooled: 0 });
  assert.equal(fs.statSync(path.join(pair.ours.dir, spoolFiles(pair.ours.dir)[0]!)).size, 0, 'emptied once drained');

  // a clean shutdown removes the spool file
  pair.ours.child.kill('SIGTERM');
  const code = await new Promise((r) => pair.ours.child.once('exit', (exitCode) => r(exitCode)));
  assert.equal(code, 0);
  assert.deepEqual(spoolFiles(pair.ours.dir), []);
});

test("buffer_overflow=drop: 4.2.5's drop-oldest, the same events as the real 4.2.5, and the loss logged and counted", async (t) => {
  const pair = await startParityPair(pool('buffer_overflow=drop\n'));
  t.after(() => pair.stop());
  await Promise.all(pair.both.map(settle));
  await Promise.all(pair.both.map((d) => fillWhileBusy(d.socket, d.dir, d.kind)));
  const [ours, reference] = await Promise.all([drain(pair.ours, 3), drain(pair.reference, 3)]);
  assert.deepEqual(ours, ['0:ev0', '6:ev6', '7:ev7']);
  assert.deepEqual(ours, reference);

  const log = pair.ours.mainLog();
  assert.match(log, /ERRO pool l event buffer overflowed, discarding event 1\n/, "4.2.5's own line for the first drop");
  assert.match(log, /ERRO pool l discarded 5 events \(0 output lines\) while its buffer was full \(buffer_size=2\)\n/);
  assert.match(pair.reference.mainLog(), /ERRO pool l event buffer overflowed, discarding event 1\n/);
  assert.deepEqual(await poolMetricsOnceDelivered(pair.ours.socket, 4), { delivered: 4, dropped: 5, spooledTotal: 0, buffered: 0, spooled: 0 });
  assert.deepEqual(spoolFiles(pair.ours.dir), [], 'a dropping pool never writes a spool');
});

test('a reload and a shutdown with events still in the spool: the daemon carries on, each run removes its own spool file', async (t) => {
  const dir = makeTempDir('sv-never-drop-');
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      pool('').replaceAll('{DIR}', dir),
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await daemon.waitForLog(/success: l entered RUNNING/);
  await fillWhileBusy(socket, dir, 'first run');
  const [first] = spoolFiles(dir);
  assert.ok(first && fs.statSync(path.join(dir, first)).size > 0, 'five events on disk');

  // the gate stays shut: SIGHUP ends the run with the listener BUSY and the spool full
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.mainLog().match(/supervisord started with pid/g)?.length === 2, 20_000, 'the reload');
  await daemon.waitForLog(/success: l entered RUNNING[^]*success: l entered RUNNING/);
  assert.deepEqual(spoolFiles(dir), [], "the old run's spool went with its pool");
  assert.deepEqual(await rpcCall(socket, 'supervisor.getState'), { statecode: 1, statename: 'RUNNING' });

  fs.rmSync(path.join(dir, 'rec.jsonl'));
  await fillWhileBusy(socket, dir, 'second run');
  assert.equal(spoolFiles(dir).length, 1);
  await daemon.stop();
  assert.deepEqual(await daemon.exited, { code: 0, signal: null });
  assert.deepEqual(spoolFiles(dir), []);
  assert.doesNotMatch(daemon.output(), /Error|Traceback/);
});
