// Listeners that break the protocol in ways 4.2.5 waits on forever, with a real Python listener
// under our daemon: one that closes its stdout while BUSY (it can never answer), and one whose
// RESULT length is longer than its body, so its READY is read as the rest of the body. Both are
// protocol violations: the listener is restarted and its event is sent again, to the new process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, makeTempDir, readJsonLines, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';

const LISTENER = path.join(FIXTURES, 'listener.py');

interface Recorded {
  serial: number;
  data: string | null;
  pid: number;
}

function daemonWithListener(mode: string) {
  const dir = makeTempDir('sv-violations-');
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[eventlistener:l]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nstartsecs=0\nenvironment=MODE="${mode}",RECORD_FILE="${dir}/rec.jsonl"\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  const records = () => readJsonLines<Recorded>(path.join(dir, 'rec.jsonl'));
  const remote = (data: string) => rpcCall(socket, 'supervisor.sendRemoteCommEvent', ['t', data]);
  return { daemon, records, remote };
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
