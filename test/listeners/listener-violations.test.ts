// Listeners that break the protocol in ways 4.2.5 waits on forever, with a real Python listener
// under our daemon: one that closes its stdout while BUSY (it can never answer), and one whose
// RESULT length is longer than its body, so its READY is read as the rest of the body. Both are
// protocol violations: the listener is restarted and its event is sent again, to the new process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, isAlive, makeTempDir, readJsonLines, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';

const LISTENER = path.join(FIXTURES, 'listener.py');

interface Recorded {
  serial: number;
  data: string | null;
  pid: number;
}

function daemonWithListener(mode: string, keys = '') {
  const dir = makeTempDir('sv-violations-');
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nstartsecs=0\n${keys}environment=MODE="${mode}",RECORD_FILE="${dir}/rec.jsonl",GATE="${dir}/gate"\n`,
    'loglevel=debug\n',
  );
  // every process of the listener holds its first event until the gate is open
  if (mode !== 'orphan-stdout-first') fs.writeFileSync(path.join(dir, 'gate'), '');
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  const records = () => readJsonLines<Recorded>(path.join(dir, 'rec.jsonl'));
  const remote = (data: string) => rpcCall(socket, 'supervisor.sendRemoteCommEvent', ['t', data]);
  return { dir, daemon, records, remote };
}

/** The first event reaches the first process, is sent again to a second one, and the next event follows. */
async function assertRedeliveredToNewProcess(records: () => Recorded[], remote: (data: string) => Promise<unknown>): Promise<void> {
  const [first, again] = await waitFor(() => records().length >= 2 && records(), 15_000, 'the event sent again');
  assert.equal(again!.serial, first!.serial);
  assert.equal(again!.data, 'first');
  assert.notEqual(again!.pid, first!.pid, 'a new listener process got it');
  await remote('second');
  const all = await waitFor(() => records().length >= 3 && records(), 10_000, 'the next event');
  assert.equal(all[2]!.data, 'second');
  assert.equal(all[2]!.pid, again!.pid);
}

test('a listener that closes its stdout while BUSY (and goes on running) is restarted, and its event is sent again', async (t) => {
  const { daemon, records, remote } = daemonWithListener('close-stdout-first');
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l entered RUNNING/);
  await remote('first');
  await assertRedeliveredToNewProcess(records, remote);
  assert.match(daemon.mainLog(), /WARN l: closed its stdout but is still running: it can never answer, restarting it/);
  assert.match(daemon.mainLog(), /restarting event listener l after a protocol violation/);
});

test('RESULT 5\\nOK then READY (a result length longer than its body) is a protocol violation: restarted, the event sent again', async (t) => {
  const { daemon, records, remote } = daemonWithListener('short-result-first');
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: l entered RUNNING/);
  await remote('first');
  await assertRedeliveredToNewProcess(records, remote);
  // 4.2.5 takes "OKREA" as the result and then waits for READY after "DY\n" forever
  assert.match(daemon.mainLog(), /WARN l: protocol violation SUP_ERR_LISTENER_NOT_READY after a result of 5 bytes \("OKREA"\): was its RESULT length right\?; it wrote: "DY\\n"/);
});

test("the stdout of an exited listener's process closing late (a grandchild held it) does not touch the process started after it", async (t) => {
  const { dir, daemon, records, remote } = daemonWithListener('orphan-stdout-first', 'autorestart=true\n');
  const orphanFile = path.join(dir, 'rec.jsonl.orphan');
  t.after(async () => {
    const orphan = fs.existsSync(orphanFile) ? Number(fs.readFileSync(orphanFile, 'utf8')) : 0;
    if (orphan > 0 && isAlive(orphan)) process.kill(orphan, 'SIGKILL');
    await daemon.stop();
  });
  await daemon.waitForLog(/success: l entered RUNNING/);
  await remote('first');
  // the first process exited unanswered; the second holds the event again, at the shut gate
  const [first, again] = await waitFor(() => records().length >= 2 && records(), 15_000, 'the event sent again');
  assert.equal(again!.data, 'first');
  assert.notEqual(again!.pid, first!.pid);
  const orphan = Number(fs.readFileSync(orphanFile, 'utf8'));
  process.kill(orphan, 'SIGKILL');
  await waitFor(() => !isAlive(orphan), 10_000, 'the sleep holding the old stdout to die');
  await daemon.waitForLog(new RegExp(`DEBG l: (the stdout of its earlier process \\(pid ${first!.pid}\\) closed|its stdout closed)`));

  fs.writeFileSync(path.join(dir, 'gate'), '');
  await remote('second');
  const all = await waitFor(() => records().length >= 3 && records(), 10_000, 'the next event, to the second process');
  assert.deepEqual(all.slice(2).map((r) => [r.data, r.pid]), [['second', again!.pid]]);
  assert.doesNotMatch(daemon.mainLog(), /closed its stdout but is still running|protocol violation/);
});
