// fluentd against the suite's forward-protocol receiver on 127.0.0.1, every line numbered and
// tallied at the receiver (first arrivals, repeats, order): a million-line burst with the default
// settings, a receiver killed and restarted mid-stream, supervisord stopped (SIGTERM) and killed
// (SIGKILL) while Fluentd is away and started again once it is back, a spool left torn or unreadable,
// and records dropped past both bounds, counted in the log and in /metrics.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, freePort, makeTempDir, waitFor, writeConfig } from '../helpers/daemon.js';
import { getOverSocket, parseMetrics, type Metrics } from '../metrics/scrape.js';
import { ForwardReceiver } from './forward-receiver.js';
import { fixture, startWithStdout } from './helpers.js';
import { readSegment, spoolDir, spoolSegments, waitingMessages } from './spool-files.js';

// a supervisord whose children all ended and that serves no socket exits today: keep one alive
const KEEPALIVE = `[program:keepalive]\ncommand=${path.join(FIXTURES, 'forever.sh')}\n`;
const RPC = (dir: string): string =>
  `[unix_http_server]\nfile=${dir}/sv.sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;

/** `burst-lines.mjs`: COUNT lines "NAME SEQ" in one go */
function burstProgram(dir: string, name: string, count: number): string {
  return `[program:${name}]\ncommand=${process.execPath} ${fixture('burst-lines.mjs')} ${name} ${count}\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/${name}.log\n`;
}

/** `spam-lines.mjs`: COUNT lines "NAME SEQ xxx..." of varying length, batches of 50, pauseMs apart */
function spamProgram(dir: string, name: string, count: number, pauseMs: number): string {
  return `[program:${name}]\ncommand=${process.execPath} ${fixture('spam-lines.mjs')} ${name} ${count} ${pauseMs}\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/${name}.log\n`;
}

function lineCount(file: string): number {
  try {
    const text = fs.readFileSync(file, 'utf8');
    let n = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

/** What arrived of lines "NAME SEQ ...": each number's first arrival, repeats, and first arrivals out of order. */
class Tally {
  readonly seen: Uint8Array;
  distinct = 0;
  repeats = 0;
  outOfOrder = 0;
  private last = -1;

  constructor(
    private readonly name: string,
    count: number,
  ) {
    this.seen = new Uint8Array(count);
  }

  add(message: unknown): void {
    const text = String(message);
    if (!text.startsWith(`${this.name} `)) return;
    const seq = Number.parseInt(text.slice(this.name.length + 1), 10);
    if (this.seen[seq]) return void this.repeats++;
    this.seen[seq] = 1;
    this.distinct++;
    if (seq < this.last) this.outOfOrder++;
    this.last = seq;
  }

  missing(of: Iterable<number> = this.seen.keys()): number[] {
    const out: number[] = [];
    for (const seq of of) if (!this.seen[seq]) out.push(seq);
    return out;
  }
}

async function scrape(dir: string): Promise<Metrics> {
  const answer = await getOverSocket(`${dir}/sv.sock`, '/metrics');
  assert.equal(answer.status, 200, answer.body);
  return parseMetrics(answer.body);
}

/** Scrapes until `check` holds: waiting is on what /metrics says, never on time. */
async function scrapeUntil(dir: string, check: (m: Metrics) => boolean, what: string): Promise<Metrics> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = await scrape(dir).catch(() => undefined);
    if (m && check(m)) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The plugin took every event it was given: what it holds is in memory or in the spool. */
function pluginCaughtUp(dir: string, plugin: string): Promise<Metrics> {
  const labels = { plugin };
  return scrapeUntil(
    dir,
    (m) => m.value('supervisor_plugin_queued_events', labels) === 0 && m.value('supervisor_plugin_events_received_total', labels) === m.value('supervisor_plugin_events_delivered_total', labels),
    `plugin ${plugin} to take every event`,
  );
}

const counterOf = (m: Metrics, plugin: string, name: string): number => m.find('supervisor_plugin_counter_total', { plugin, name }) ?? 0;

test('a burst of 1,000,000 lines while Fluentd is up, default settings: every line arrives, none dropped', async (t) => {
  const LINES = 1_000_000;
  const tally = new Tally('burst', LINES);
  const receiver = new ForwardReceiver({ keep: false, onEvent: (e) => tally.add(e.record.message) });
  await receiver.listen();
  const dir = makeTempDir('sv-plugin-fluentd-burst-');
  const conf = writeConfig(dir, `${RPC(dir)}\n${burstProgram(dir, 'burst', LINES)}\n[plugin:ship]\nmodule=fluentd\nport=${receiver.port}\nprograms=burst\n`);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  const started = Date.now();
  try {
    await waitFor(() => tally.distinct >= LINES, 180_000, `all ${LINES} lines (have ${tally.distinct})`);
    const seconds = (Date.now() - started) / 1000;
    // acknowledged by the receiver: counted once the acknowledgement is back
    const metrics = await scrapeUntil(dir, (m) => counterOf(m, 'ship', 'records_delivered') >= LINES, 'records_delivered to count every line');
    assert.equal(counterOf(metrics, 'ship', 'records_dropped'), 0, 'nothing dropped');
    t.diagnostic(`${LINES} lines in ${seconds.toFixed(1)} s from the start (${Math.round(LINES / seconds)} lines/s), ${tally.repeats} repeats, ${counterOf(metrics, 'ship', 'records_spooled')} went through the spool`);
  } finally {
    await daemon.stop();
    await receiver.kill();
  }
  assert.deepEqual(tally.missing().slice(0, 10), [], 'every line arrived');
  assert.equal(tally.outOfOrder, 0, 'in order');
  assert.doesNotMatch(daemon.mainLog(), /plugin ship: dropped/);
  assert.match(daemon.mainLog(), /INFO plugin ship: flushed\n/);
  assert.deepEqual(spoolSegments(spoolDir(dir, 'ship')), [], 'the spool is empty once everything is delivered');
});

test('Fluentd killed and restarted mid-stream: every line arrives (at least once), records carry the documented fields', async (t) => {
  const LINES = 5000;
  const receiver = new ForwardReceiver();
  await receiver.listen();
  const dir = makeTempDir('sv-plugin-fluentd-');
  const conf = writeConfig(dir, `${KEEPALIVE}\n${spamProgram(dir, 'shipper', LINES, 5)}\n[plugin:ship]\nmodule=fluentd\nport=${receiver.port}\nprograms=shipper\nack_timeout=1\nreconnect_max_delay=0.5\n`);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  const tally = (): Tally => {
    const result = new Tally('shipper', LINES);
    for (const e of receiver.events) result.add(e.record.message);
    return result;
  };
  try {
    await waitFor(() => receiver.events.length >= 700, 20_000, '700 records before the kill');
    await receiver.kill();
    const atKill = tally().distinct;
    // the program writes the rest while Fluentd is away: it waits in memory, then in the spool
    await waitFor(() => lineCount(path.join(dir, 'shipper.log')) >= LINES, 20_000, 'the program to finish');
    await daemon.waitForLog(/WARN plugin ship: connection to 127\.0\.0\.1:\d+ failed \(.*\)(, \d+ records not acknowledged will be sent again)?: records wait in memory and in the spool \(.*plugin-ship\), reconnecting/);
    await receiver.listen(receiver.port);
    await waitFor(() => tally().distinct >= LINES, 30_000, `all ${LINES} lines (have ${tally().distinct})`);
    t.diagnostic(`${atKill} distinct lines before the kill, ${tally().repeats} sent twice`);
  } finally {
    await daemon.stop();
    await receiver.kill();
  }
  assert.deepEqual(tally().missing(), []);
  const sample = receiver.events.find((e) => e.record.message === 'shipper 7 ' + 'x'.repeat(7 * 37))!;
  assert.ok(sample, 'a line arrives as message, whole');
  assert.equal(sample.tag, 'supervisor.shipper.stdout');
  assert.deepEqual(Object.keys(sample.record).sort(), ['group', 'host', 'message', 'pid', 'program', 'stream']);
  assert.equal(sample.record.stream, 'stdout');
  assert.equal(sample.record.group, 'shipper');
  assert.ok(Number(sample.record.pid) > 0);
  assert.ok(receiver.events.some((e) => !Number.isInteger(e.time)), 'event times carry the sub-second part (EventTime)');
  assert.match(daemon.mainLog(), /INFO plugin ship: connected to 127\.0\.0\.1:\d+ again/);
});

/**
 * Run 1: Fluentd away, the program writes `lines` in batches of 50 (the first 64 KiB of records
 * wait in memory, buffer_max_bytes at its minimum; the rest in the spool).
 */
async function spoolWhileFluentdIsAway(prefix: string, lines: number): Promise<{ dir: string; port: number; daemon: ReturnType<typeof startWithStdout> }> {
  const port = await freePort();
  const dir = makeTempDir(`sv-plugin-fluentd-${prefix}-`);
  const conf = writeConfig(dir, `${RPC(dir)}\n${spamProgram(dir, 'away', lines, 1)}\n[plugin:ship]\nmodule=fluentd\nport=${port}\nprograms=away\nbuffer_max_bytes=65536\nflush_timeout=1\n`);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  await waitFor(() => lineCount(path.join(dir, 'away.log')) >= lines, 30_000, 'the program to finish while Fluentd is away');
  await pluginCaughtUp(dir, 'ship');
  return { dir, port, daemon };
}

/** Run 2, in the same directory: no writer, Fluentd up at `port`. */
function startAgain(dir: string, port: number): ReturnType<typeof startWithStdout> {
  const conf = writeConfig(dir, `${RPC(dir)}\n[plugin:ship]\nmodule=fluentd\nport=${port}\nprograms=away\n`);
  return startWithStdout(dir, ['-n', '-s', '-c', conf]);
}

test('Fluentd away, supervisord stopped (SIGTERM), started again with Fluentd up: every line arrives once, oldest first', async (t) => {
  const LINES = 20_000;
  const { dir, port, daemon } = await spoolWhileFluentdIsAway('term', LINES);
  await daemon.stop();
  const left = /WARN plugin ship: flush_timeout reached: (\d+) records not acknowledged by 127\.0\.0\.1:\d+; (\d+) records wait in the spool \((.+)\) for the next start\n/.exec(daemon.mainLog());
  assert.ok(left, `what was left is said\n--- log:\n${daemon.mainLog()}`);
  assert.equal(Number(left[2]), LINES, 'every line waits in the spool');
  assert.equal(left[3], spoolDir(dir, 'ship'));
  const spooled = waitingMessages(spoolDir(dir, 'ship'));
  assert.equal(spooled.length, LINES, 'the spool holds every line (memory\'s share was written at the stop)');
  const spooledSeqs = spooled.map((m) => Number(m.split(' ')[1]));
  assert.deepEqual(spooledSeqs, [...spooledSeqs].sort((a, b) => a - b), 'oldest first: memory\'s share ahead of what was spooled before');

  const tally = new Tally('away', LINES);
  const receiver = new ForwardReceiver({ keep: false, onEvent: (e) => tally.add(e.record.message) });
  await receiver.listen(port);
  const again = startAgain(dir, port);
  try {
    await again.waitForLog(new RegExp(`INFO plugin ship: ${LINES} records wait in the spool \\(.*plugin-ship, [\\d.]+ (KiB|MiB|bytes)\\) from an earlier run: they are sent first`));
    await waitFor(() => tally.distinct >= LINES, 30_000, `all ${LINES} lines (have ${tally.distinct})`);
  } finally {
    await again.stop();
    await receiver.kill();
  }
  t.diagnostic(`${tally.repeats} repeats`);
  assert.deepEqual(tally.missing(), []);
  assert.equal(tally.outOfOrder, 0, 'replayed oldest first');
  assert.equal(tally.repeats, 0, 'nothing was delivered before the stop, so nothing comes twice');
  assert.deepEqual(spoolSegments(spoolDir(dir, 'ship')), [], 'delivered segments are deleted');
});

test('Fluentd away, supervisord killed (SIGKILL), started again with Fluentd up: every spooled line arrives', async (t) => {
  const LINES = 20_000;
  const { dir, port, daemon } = await spoolWhileFluentdIsAway('kill', LINES);
  daemon.child.kill('SIGKILL');
  await daemon.exited;
  const spooled = waitingMessages(spoolDir(dir, 'ship')).map((m) => Number(m.split(' ')[1]));
  // what memory held (64 KiB: a few hundred of these records) is lost with the process
  assert.ok(spooled.length >= LINES - 1000, `most lines were spooled (${spooled.length})`);
  assert.ok(spooled.length < LINES, 'memory held some');

  const tally = new Tally('away', LINES);
  const receiver = new ForwardReceiver({ keep: false, onEvent: (e) => tally.add(e.record.message) });
  await receiver.listen(port);
  const again = startAgain(dir, port);
  try {
    await waitFor(() => tally.missing(spooled).length === 0, 30_000, `the ${spooled.length} spooled lines (have ${tally.distinct})`);
  } finally {
    await again.stop();
    await receiver.kill();
  }
  t.diagnostic(`${spooled.length} of ${LINES} lines spooled before the kill, all arrived; ${tally.repeats} repeats; ${LINES - tally.distinct} lost with memory`);
  assert.equal(tally.outOfOrder, 0, 'replayed oldest first');
  assert.match(again.mainLog(), new RegExp(`INFO plugin ship: ${spooled.length} records wait in the spool`));
});

test('a spool left with a torn last record and an unreadable file: the good records arrive, the rest is set aside and said', async () => {
  const LINES = 5000;
  const { dir, port, daemon } = await spoolWhileFluentdIsAway('torn', LINES);
  daemon.child.kill('SIGKILL');
  await daemon.exited;
  const spool = spoolDir(dir, 'ship');
  const segments = spoolSegments(spool);
  const newest = segments.at(-1)!;
  const records = readSegment(newest);
  const torn = records.at(-1)!;
  assert.ok(records.length >= 2, 'the newest segment has records before its last');
  // a crash in the middle of the last record's write
  const original = fs.readFileSync(newest);
  fs.truncateSync(newest, torn.offset + 30);
  const tornTail = original.subarray(torn.offset, torn.offset + 30);
  const garbage = path.join(spool, `chunks-${String(Number(/chunks-(\d+)/.exec(newest)![1]) + 1).padStart(12, '0')}.spool`);
  fs.writeFileSync(garbage, 'this is not a spool record\n');
  const good = segments.flatMap((file) => readSegment(file)).flatMap((r) => r.messages);
  const goodSeqs = good.map((m) => Number(m.split(' ')[1]));

  const tally = new Tally('away', LINES);
  const receiver = new ForwardReceiver({ keep: false, onEvent: (e) => tally.add(e.record.message) });
  await receiver.listen(port);
  const again = startAgain(dir, port);
  try {
    const tornLine = await again.waitForLog(
      new RegExp(`WARN plugin ship: spool file ${newest}: a record cut short \\(a crash while it was written\\) at byte ${torn.offset} of ${torn.offset + 30}; the \\d+ records before it are sent; the 30 bytes from there set aside as (\\S+)\\n`),
    );
    const tornAside = /set aside as (\S+)\n/.exec(tornLine)![1]!;
    assert.deepEqual(fs.readFileSync(tornAside), tornTail, 'the torn bytes are kept aside');
    const garbageLine = await again.waitForLog(new RegExp(`WARN plugin ship: spool file ${garbage}: not a spool record at byte 0 of 27; the file set aside as (\\S+)\\n`));
    const garbageAside = /set aside as (\S+)\n/.exec(garbageLine)![1]!;
    assert.equal(fs.readFileSync(garbageAside, 'utf8'), 'this is not a spool record\n');
    assert.ok(!fs.existsSync(garbage));
    await waitFor(() => tally.missing(goodSeqs).length === 0, 30_000, `the ${good.length} good lines (have ${tally.distinct})`);
    assert.equal(again.child.exitCode, null, 'the daemon keeps running');
  } finally {
    await again.stop();
    await receiver.kill();
  }
});

test('past memory with no spool, records are dropped, counted at once in the log (one line per burst) and in /metrics', async () => {
  const LINES = 5000;
  const port = await freePort();
  const dir = makeTempDir('sv-plugin-fluentd-drop-');
  const conf = writeConfig(dir, `${RPC(dir)}\n${spamProgram(dir, 'shipper', LINES, 0)}\n[plugin:ship]\nmodule=fluentd\nport=${port}\nbuffer_max_bytes=65536\nspool_max_bytes=0\nstate_events=true\nack_timeout=1\nreconnect_max_delay=0.2\n`);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  const receiver = new ForwardReceiver();
  let dropped = 0;
  try {
    await daemon.waitForLog(/WARN plugin ship: connection to 127\.0\.0\.1:\d+ failed \(.*\)(, \d+ records not acknowledged will be sent again)?: records wait in memory, reconnecting/);
    await waitFor(() => lineCount(path.join(dir, 'shipper.log')) >= LINES, 20_000, 'the program to finish');
    await pluginCaughtUp(dir, 'ship');
    // the burst is over: its one line comes while the daemon runs, with the running total
    const line = await daemon.waitForLog(/WARN plugin ship: dropped (\d+) records: memory full \(buffer_max_bytes=64 KiB\) and no spool \(spool_max_bytes=0\); (\d+) dropped in this run\n/);
    dropped = Number(/; (\d+) dropped in this run/.exec(line)![1]);
    assert.equal(daemon.mainLog().match(/dropped \d+ records:/g)?.length, 1, 'one line for the burst');
    assert.equal(counterOf(await scrape(dir), 'ship', 'records_dropped'), dropped, '/metrics counts the same');
    await receiver.listen(port);
    // what memory kept is delivered (how much fits depends on how the pipe was read: an event
    // larger than what is left of the 64 KiB is dropped whole)
    await scrapeUntil(dir, (m) => m.find('supervisor_plugin_gauge', { plugin: 'ship', name: 'buffer_bytes' }) === 0, 'memory to be emptied');
  } finally {
    await daemon.stop();
    await receiver.kill();
  }
  assert.match(daemon.mainLog(), new RegExp(`INFO plugin ship: flushed, ${dropped} records dropped in this run\\n`));
  // every record is either delivered or counted as dropped
  const distinct = new Set(receiver.events.map((e) => JSON.stringify([e.tag, e.record])));
  assert.ok(distinct.size + dropped >= LINES, `${distinct.size} delivered + ${dropped} dropped covers the ${LINES} lines and state records`);
  assert.ok(receiver.events.some((e) => e.tag === 'supervisor.shipper.state' && e.record.state === 'STARTING' && e.record.from_state === 'STOPPED'), 'a state record');
  assert.doesNotMatch(daemon.mainLog(), /in the spool/, 'no line says records wait in a spool: there is none');
});

test("the first version's keys (buffer_size, batch_size, spool_file) still load, each said once to be ignored and why", async () => {
  const port = await freePort();
  const dir = makeTempDir('sv-plugin-fluentd-old-keys-');
  const conf = writeConfig(dir, `${RPC(dir)}\n[plugin:ship]\nmodule=fluentd\nport=${port}\nbuffer_size=10000\nbatch_size=500\nspool_file=${dir}/old.spool\n`);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await daemon.waitForLog(/plugin ship: started/);
    for (const [key, why] of [['buffer_size', 'memory is bounded by buffer_max_bytes'], ['batch_size', 'chunks are sized by the plugin'], ['spool_file', 'the spool is kept in ']]) {
      assert.equal(daemon.mainLog().split(`WARN plugin ship: ${key}= is no longer used and is ignored: ${why}`).length - 1, 1, key);
    }
    assert.equal(fs.existsSync(`${dir}/old.spool`), false, 'the old spool path is not used');
  } finally {
    await daemon.stop();
  }
});
