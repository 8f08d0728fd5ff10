// The scenario, under our daemon and the real 4.2.5 on the same config: a pool with
// buffer_size=2 and a slow Python childutils listener (0.2 s per event), held BUSY on its first
// event while 7 more REMOTE_COMMUNICATION events arrive over XML-RPC. With no buffer_overflow
// key ours delivers all 8, in order, once (the rest waited in the spool) where 4.2.5 keeps
// ev0, ev6, ev7; with buffer_overflow=drop both keep ev0, ev6, ev7 and log the loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FIXTURES, makeTempDir, readJsonLines, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { startParityPair, type ParityDaemon } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { getOverSocket, parseMetrics } from '../metrics/scrape.js';

const LISTENER = path.join(FIXTURES, 'listener.py');
const SPOOL_NAME = /^[lm]-events---supervisor-[0-9a-f]{12}\.spool$/;

interface Recorded {
  serial: number;
  data: string;
}

// these tests are about the spool file: no memory tier between the buffer and it (4.2.5 ignores the key)
const SPOOL_AT_ONCE = 'buffer_memory_maxbytes=0\n';

// GATE: the listener answers its first event only once the file exists
const pool = (extra: string): string =>
  `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nbuffer_size=2\nstartsecs=0\n${SPOOL_AT_ONCE}${extra}` +
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

/** A pool `l` (and a `m` like it when asked) whose listener holds its first event until {DIR}/gate exists, answering at once after that. */
function gatedPools(dir: string, socket: string, { events = 'REMOTE_COMMUNICATION', withM = false } = {}): string {
  const section = (name: string) =>
    `[eventlistener:${name}]\ncommand=${LISTENER}\nevents=${events}\nbuffer_size=2\nstartsecs=0\n${SPOOL_AT_ONCE}` +
    `environment=RECORD_FILE="${dir}/rec-${name}.jsonl",GATE="${dir}/gate"\n`;
  return writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      section('l') +
      (withM ? section('m') : ''),
  );
}

interface Held {
  socket: string;
  dir: string;
  daemon: ReturnType<typeof startDaemon>;
  records: (pool?: string) => (Recorded & { pid: number })[];
}

/** A daemon whose pool `l` holds `count` events: ev0 with its BUSY listener, the rest in memory and the spool. */
async function holdEvents(t: { after: (fn: () => Promise<void>) => void }, count: number, options: { withM?: boolean } = {}): Promise<Held> {
  const dir = makeTempDir('sv-never-drop-');
  const socket = path.join(dir, 'supervisor.sock');
  const daemon = startDaemon(dir, ['-n', '-c', gatedPools(dir, socket, options)]);
  t.after(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const records = (pool = 'l') => readJsonLines<Recorded & { pid: number }>(path.join(dir, `rec-${pool}.jsonl`));
  await daemon.waitForLog(/success: l entered RUNNING/);
  await rpcCall(socket, 'supervisor.sendRemoteCommEvent', ['burst', 'ev0']);
  await waitFor(() => records().length >= 1, 10_000, 'the listener to hold ev0');
  const calls = Array.from({ length: count - 1 }, (_, i) => ({ methodName: 'supervisor.sendRemoteCommEvent', params: ['burst', `ev${i + 1}`] }));
  await rpcCall(socket, 'system.multicall', [calls]);
  const m = await poolMetrics(socket);
  assert.deepEqual([m.buffered, m.spooled, m.dropped], [2, count - 3, 0], 'ev0 in flight, two in memory, the rest on disk');
  return { socket, dir, daemon, records };
}

const reloaded = async ({ daemon }: Held): Promise<void> => {
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.mainLog().match(/supervisord started with pid/g)?.length === 2, 20_000, 'the reload');
  await daemon.waitForLog(/success: l entered RUNNING[^]*success: l entered RUNNING/);
};

test('1,200 events held at a SIGHUP reach the next run\'s listener, in order, each once, none dropped: the spool is carried over', async (t) => {
  const held = await holdEvents(t, 1200);
  const { socket, dir, daemon, records } = held;
  const [first] = spoolFiles(dir);
  // the gate stays shut: the reload stops the listener while it is BUSY with ev0
  await reloaded(held);

  fs.writeFileSync(path.join(dir, 'gate'), '');
  await rpcCall(socket, 'supervisor.sendRemoteCommEvent', ['burst', 'end']);
  const all = await waitFor(() => records().some((r) => r.data === 'end') && records(), 30_000, `the end marker (have ${records().length})`);
  const [held0, ...second] = all;
  assert.equal(held0!.data, 'ev0');
  assert.ok(second.every((r) => r.pid !== held0!.pid), 'the rest went to the new listener');
  assert.deepEqual(
    second.map((r) => r.data),
    [...Array.from({ length: 1200 }, (_, i) => `ev${i}`), 'end'],
    'ev0 again (never answered), then the rest in order, each once',
  );
  assert.deepEqual(
    second.map((r) => r.serial),
    Array.from({ length: 1201 }, (_, i) => i),
  );
  assert.match(daemon.mainLog(), /INFO pool l takes over 1200 events held at the reload\n/);
  assert.equal(spoolFiles(dir)[0], first, "the last run's spool is the new run's");
  const { delivered, dropped, buffered, spooled } = await poolMetricsOnceDelivered(socket, 1201);
  assert.deepEqual({ delivered, dropped, buffered, spooled }, { delivered: 1201, dropped: 0, buffered: 0, spooled: 0 });
  assert.doesNotMatch(daemon.mainLog(), /discard/);

  // a clean shutdown with nothing held says nothing and removes the spool
  await daemon.stop();
  assert.deepEqual(await daemon.exited, { code: 0, signal: null });
  assert.deepEqual(spoolFiles(dir), []);
  assert.doesNotMatch(daemon.mainLog(), /discard/);
  assert.doesNotMatch(daemon.output(), /Error|Traceback/);
});

test('at shutdown the events a pool still holds are counted as dropped, in one line, and its spool is removed', async (t) => {
  const { dir, daemon } = await holdEvents(t, 300);
  await daemon.stop();
  assert.deepEqual(await daemon.exited, { code: 0, signal: null });
  // ev0 came back from the stopped listener: all 300
  assert.match(daemon.mainLog(), /ERRO pool l discarded 300 events \(0 output lines\) it still held at shutdown\n/);
  assert.deepEqual(spoolFiles(dir), []);
});

test('a reload into a config where the pool takes other events, or is gone: what it held is counted as dropped and said', async (t) => {
  const held = await holdEvents(t, 100, { withM: true });
  const { socket, dir, daemon } = held;
  // m got the same 100 events (its listener held ev0 too); the new config drops m and points l elsewhere
  await waitFor(() => held.records('m').length >= 1, 10_000, 'm to hold ev0');
  gatedPools(dir, socket, { events: 'TICK_60' });
  await reloaded(held);
  const log = daemon.mainLog();
  assert.match(log, /ERRO pool l no longer subscribes to REMOTE_COMMUNICATION: discarded 100 events \(0 output lines\) carried over the reload\n/);
  assert.match(log, /ERRO pool m is not in the new config: 100 events \(0 output lines\) it held at the reload are discarded\n/);
  const m = await poolMetrics(socket);
  assert.equal(m.dropped, 100);
  assert.deepEqual(spoolFiles(dir), [], 'both carried spools removed');
  assert.deepEqual(await rpcCall(socket, 'supervisor.getState'), { statecode: 1, statename: 'RUNNING' });
});

test('a reload whose config no longer loads ends the daemon (exit 2, as 4.2.5): stderr says what the pools held', async (t) => {
  const held = await holdEvents(t, 50);
  fs.appendFileSync(path.join(held.dir, 'supervisord.conf'), '[program:bad]\n');
  held.daemon.child.kill('SIGHUP');
  assert.deepEqual(await held.daemon.exited, { code: 2, signal: null });
  assert.match(held.daemon.output(), /Error: .*\n[^]*supervisord: pool l discarded 50 events \(0 output lines\) it held at the reload: the config did not load\n/);
  assert.deepEqual(spoolFiles(held.dir), []);
});

test('a reload whose new run cannot start (its port is taken) ends the daemon: stderr says what the pools held', async (t) => {
  const held = await holdEvents(t, 50);
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const { port } = taken.address() as net.AddressInfo;
  fs.appendFileSync(path.join(held.dir, 'supervisord.conf'), `[inet_http_server]\nport=127.0.0.1:${port}\n`);
  held.daemon.child.kill('SIGHUP');
  assert.deepEqual(await held.daemon.exited, { code: 2, signal: null });
  assert.match(held.daemon.output(), /supervisord: pool l discarded 50 events \(0 output lines\) it held at the reload: the new run did not start\n/);
  assert.deepEqual(spoolFiles(held.dir), []);
});
