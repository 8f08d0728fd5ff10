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
