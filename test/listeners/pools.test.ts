// Listener pools with real listener processes (Python childutils) under our daemon: redelivery
// after FAIL, after a SIGKILL while BUSY and after garbage; exactly-once across numprocs=4; a
// 100,000-line PROCESS_LOG stream spooled (the default) and with 4.2.5's drop-oldest buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, makeTempDir, readJsonLines, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';

const LISTENER = path.join(FIXTURES, 'listener.py');

interface Recorded {
  serial: number;
  eventname: string;
  fields: Record<string, string>;
  data: string | null;
  pid: number;
}

const records = (file: string): Recorded[] => readJsonLines<Recorded>(file);

function daemonWith(programs: string, extra = '') {
  const dir = makeTempDir('sv-pools-');
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n${programs.replaceAll('{DIR}', dir)}`,
    extra,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  return { dir, socket, daemon, remote: (type: string, data: string) => rpcCall(socket, 'supervisor.sendRemoteCommEvent', [type, data]) };
}

test('FAIL: the same event (same serial) comes again, and then the next', async (t) => {
  const { dir, daemon, remote } = daemonWith(
    `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nenvironment=MODE="fail-first",RECORD_FILE="{DIR}/rec.jsonl"\n`,
  );
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l entered RUNNING/);
  await remote('a', 'first');
  await remote('b', 'second');
  const file = path.join(dir, 'rec.jsonl');
  await waitFor(() => records(file).length >= 4, 10_000, 'four deliveries');
  assert.deepEqual(
    records(file).map((r) => `${r.serial}:${r.data}`),
    ['0:first', '0:first', '1:second', '1:second'],
  );
  assert.match(daemon.mainLog(), /WARN l: event was rejected/);
});

test('a listener SIGKILLed while BUSY gets the event again after its restart', async (t) => {
  const { dir, daemon, remote } = daemonWith(
    `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nautorestart=true\nstartsecs=0\nenvironment=MODE="hang-first",RECORD_FILE="{DIR}/rec.jsonl"\n`,
  );
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l entered RUNNING/);
  await remote('x', 'payload');
  const file = path.join(dir, 'rec.jsonl');
  const [first] = await waitFor(() => records(file).length >= 1 && records(file), 10_000, 'first delivery');
  process.kill(first!.pid, 'SIGKILL');
  const all = await waitFor(() => records(file).length >= 2 && records(file), 10_000, 'redelivery');
  assert.equal(all[1]!.serial, first!.serial);
  assert.equal(all[1]!.data, 'payload');
  assert.notEqual(all[1]!.pid, first!.pid);
});

test('a garbage-writing listener is logged, restarted, gets the event, and the daemon keeps serving', async (t) => {
  const { dir, socket, daemon, remote } = daemonWith(
    `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nstartsecs=0\nenvironment=MODE="garbage-first",RECORD_FILE="{DIR}/rec.jsonl"\n`,
  );
  t.after(() => daemon.stop());
  await daemon.waitForLog(/has entered the UNKNOWN state/);
  assert.match(daemon.mainLog(), /l: protocol violation SUP_ERR_LISTENER_NOT_READY; it wrote: "this is not READY\\n"/);
  await remote('x', 'after garbage');
  const file = path.join(dir, 'rec.jsonl');
  const [got] = await waitFor(() => records(file).length >= 1 && records(file), 10_000, 'delivery after restart');
  assert.equal(got!.data, 'after garbage');
  assert.match(daemon.mainLog(), /restarting event listener l after a protocol violation/);
  const state = (await rpcCall(socket, 'supervisor.getState')) as { statename: string };
  assert.equal(state.statename, 'RUNNING');
});

test('numprocs=4: each event is delivered exactly once across the pool', async (t) => {
  const { dir, daemon, remote } = daemonWith(
    `[eventlistener:l]\ncommand=${LISTENER}\nprocess_name=%(program_name)s_%(process_num)s\nnumprocs=4\nstartsecs=0\nbuffer_size=500\nevents=REMOTE_COMMUNICATION\nenvironment=RECORD_FILE="{DIR}/rec-%(process_num)s.jsonl"\n`,
  );
  t.after(() => daemon.stop());
  for (let i = 0; i < 4; i++) await daemon.waitForLog(new RegExp(`success: l_${i} entered RUNNING`));
  await Promise.all(Array.from({ length: 200 }, (_, i) => remote('n', String(i))));
  const all = () => [0, 1, 2, 3].flatMap((i) => records(path.join(dir, `rec-${i}.jsonl`)));
  await waitFor(() => all().length >= 200, 15_000, '200 deliveries');
  const data = all().map((r) => Number(r.data));
  assert.equal(data.length, 200);
  assert.deepEqual([...data].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  assert.equal(new Set(all().map((r) => r.serial)).size, 200);
});

const WRITER = (lines: number) => `${path.join(FIXTURES, 'firehose.py')} ${lines}`;

test('100,000 lines through a PROCESS_LOG listener with the default settings (spool): all arrive, in order, none cut', async (t) => {
  const { dir, daemon } = daemonWith(
    `[eventlistener:l]\ncommand=${LISTENER}\nevents=PROCESS_LOG\nenvironment=RECORD_FILE="{DIR}/rec.jsonl"\n` +
      `[program:w]\ncommand=${WRITER(100_000)}\nstdout_events_enabled=true\nautorestart=false\nstartsecs=0\nautostart=false\n`,
  );
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l entered RUNNING/);
  await rpcCall(path.join(dir, 'supervisor.sock'), 'supervisor.startProcess', ['w', false]);
  const file = path.join(dir, 'rec.jsonl');
  const count = () => records(file).reduce((n, r) => n + (r.data ?? '').split('\n').length - 1, 0);
  await waitFor(() => count() >= 100_000, 60_000, `100,000 lines (have ${count()})`);
  const lines = records(file).flatMap((r) => (r.data ?? '').split('\n').slice(0, -1));
  assert.equal(lines.length, 100_000);
  lines.forEach((line, i) => {
    if (line !== `line ${i} of the firehose`) assert.fail(`line ${i} is ${JSON.stringify(line)}`);
  });
  assert.doesNotMatch(daemon.mainLog(), /discard/);
});

test('many lines per event, through the buffer, the memory tier and the spool file: every consumer gets each line whole, once, in order', async (t) => {
  // a pool of 3 listeners taking 50 ms per event behind a buffer of 2 (events go to whichever is free: the serials give
  // the order), a memory tier of 256 KiB (a few events) so that the firehose overflows into the spool file too, and
  // a plugin on the same lines;
  // characters of 2, 3 and 4 UTF-8 bytes in every line
  const suffix = ' é☃😀';
  const total = 100_000;
  const { dir, socket, daemon } = daemonWith(
    `[eventlistener:l]\ncommand=${LISTENER}\nevents=PROCESS_LOG\nnumprocs=3\nprocess_name=l_%(process_num)d\nbuffer_size=2\n` +
      `buffer_memory_maxbytes=256KB\nenvironment=RECORD_FILE="{DIR}/rec-%(process_num)d.jsonl",DELAY="0.05"\n` +
      `[program:w]\ncommand=${WRITER(total)} "${suffix}"\nenvironment=PYTHONIOENCODING="utf-8"\nstdout_events_enabled=true\nautorestart=false\nstartsecs=0\nautostart=false\n` +
      `[plugin:rec]\nmodule=${FIXTURES}/record-events-json.mjs\nevents=PROCESS_LOG\nprograms=w\nfile={DIR}/plugin.jsonl\n`,
  );
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l_0 entered RUNNING[^]*/);
  await waitFor(() => (daemon.mainLog().match(/success: l_\d entered RUNNING/g) ?? []).length === 3, 10_000, 'three listeners RUNNING');
  await rpcCall(socket, 'supervisor.startProcess', ['w', false]);

  const listened = () => [0, 1, 2].flatMap((n) => records(path.join(dir, `rec-${n}.jsonl`))).sort((a, b) => a.serial - b.serial);
  const count = (rs: Recorded[]) => rs.reduce((n, r) => n + (r.data ?? '').split('\n').length - 1, 0);
  await waitFor(() => count(listened()) >= total, 60_000, `${total} lines at the listeners (have ${count(listened())})`);
  const events = listened();
  const expected = (i: number) => `line ${i} of the firehose${suffix}`;
  const check = (who: string, lines: string[]) => {
    assert.equal(lines.length, total, `${who}: every line once`);
    lines.forEach((line, i) => {
      if (line !== expected(i)) assert.fail(`${who}: line ${i} is ${JSON.stringify(line)}`);
    });
  };
  // each event is whole lines: its data ends with a newline
  for (const e of events) assert.ok(e.data?.endsWith('\n'), `event ${e.serial} ends inside a line: ${JSON.stringify(e.data?.slice(-40))}`);
  check('the pool', events.flatMap((r) => r.data!.split('\n').slice(0, -1)));
  assert.ok(events.length < total / 2, `lines are batched (${events.length} events for ${total} lines)`);
  assert.ok(new Set(events.map((e) => e.pid)).size > 1, 'more than one listener of the pool took events');

  const plugged = () => readJsonLines<{ lines: string[] }>(path.join(dir, 'plugin.jsonl'));
  await waitFor(() => plugged().reduce((n, e) => n + e.lines.length, 0) >= total, 30_000, 'the plugin\'s lines');
  check('the plugin', plugged().flatMap((e) => e.lines));

  // the firehose went past the 256 KiB in memory: some of it waited in the spool file
  const metrics = await (await import('../metrics/scrape.js')).getOverSocket(socket, '/metrics');
  const spoolWrites = (await import('../metrics/scrape.js')).parseMetrics(metrics.body).value('supervisor_listener_pool_events_spooled_total', { pool: 'l' });
  assert.ok(spoolWrites > 0, `events went through the spool file (${spoolWrites} of ${events.length} events)`);
  assert.doesNotMatch(daemon.mainLog(), /discard/);
});

test('with 4.2.5\'s buffer (buffer_overflow=drop), the reported drop count equals the lines missing', async (t) => {
  const { dir, daemon } = daemonWith(
    // a listener that takes 50 ms per event: the writer's events outrun it whatever their size
    `[eventlistener:l]\ncommand=${LISTENER}\nevents=PROCESS_LOG\nbuffer_overflow=drop\nenvironment=RECORD_FILE="{DIR}/rec.jsonl",DELAY="0.05"\n` +
      `[program:w]\ncommand=${WRITER(100_000)}\nstdout_events_enabled=true\nautorestart=false\nstartsecs=0\nautostart=false\n`,
  );
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l entered RUNNING/);
  await rpcCall(path.join(dir, 'supervisor.sock'), 'supervisor.startProcess', ['w', false]);
  const file = path.join(dir, 'rec.jsonl');
  const received = () => records(file).reduce((n, r) => n + (r.data ?? '').split('\n').length - 1, 0);
  const reportedDrops = () =>
    [...daemon.mainLog().matchAll(/discarded \d+ events \((\d+) output lines\)/g)].reduce((n, m) => n + Number(m[1]), 0);
  await waitFor(() => received() + reportedDrops() >= 100_000 && received(), 60_000, `received ${received()} + dropped ${reportedDrops()}`);
  assert.ok(reportedDrops() > 0, 'a fast writer overflows a buffer of 10');
  assert.equal(received() + reportedDrops(), 100_000);
  // what did arrive is whole lines, in order
  const lines = records(file).flatMap((r) => (r.data ?? '').split('\n').slice(0, -1).map((l) => Number(/^line (\d+) of the firehose$/.exec(l)![1])));
  for (let i = 1; i < lines.length; i++) assert.ok(lines[i]! > lines[i - 1]!);
});

test('busy_timeout: a listener that never answers is restarted and the event is sent again', async (t) => {
  const { dir, daemon, remote } = daemonWith(
    `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nstartsecs=0\nbusy_timeout=1\nenvironment=MODE="hang-first",RECORD_FILE="{DIR}/rec.jsonl"\n`,
  );
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l entered RUNNING/);
  await remote('x', 'answer me');
  const file = path.join(dir, 'rec.jsonl');
  const all = await waitFor(() => records(file).length >= 2 && records(file), 10_000, 'redelivery after the busy timeout');
  assert.equal(all[1]!.serial, all[0]!.serial);
  assert.notEqual(all[1]!.pid, all[0]!.pid, 'a new listener process got it');
  assert.match(daemon.mainLog(), /WARN l: no result for event \d+ within busy_timeout \(1 s\), restarting it/);
});
