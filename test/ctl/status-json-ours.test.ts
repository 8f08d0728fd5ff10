// status --json against our supervisord: the exit record is filled (the signal that ended the
// process, the main log's expected/not expected verdict, the real code of an exit during startsecs),
// where 4.2.5's getProcessInfo leaves signal and expected unknown (null; see live.test.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ExitJson } from '../../src/ctl/status-json.js';
import { runCtl, startRealDaemon, type RealDaemon } from './real-daemon.js';

const EXTRA = `
[program:killed]
command=sleep 1000
autostart=false
startsecs=0
autorestart=false

[program:three]
command=sh -c 'exit 3'
autostart=false
startsecs=0
autorestart=false
exitcodes=3

[program:one]
command=sh -c 'exit 1'
autostart=false
startsecs=0
autorestart=false
`;

interface Listed {
  name: string;
  statename: string;
  exitstatus: number;
  stop: number;
  exit: ExitJson | null;
}

let daemon: RealDaemon;

before(async () => {
  daemon = await startRealDaemon(EXTRA, 'ours');
  await daemon.waitUntilUp();
});

after(async () => {
  await daemon?.stop();
});

async function ctl(...args: string[]): Promise<string> {
  return (await runCtl('ours', ['-c', daemon.conf, ...args], { cwd: daemon.dir })).stdout;
}

async function listed(name: string): Promise<Listed> {
  const doc = JSON.parse(await ctl('status', '--json', name)) as { processes: Listed[] };
  return doc.processes[0]!;
}

/** Polls status --json until the process is in `state` (generous deadline, no timing assumed). */
async function whenIn(name: string, state: string): Promise<Listed> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = await listed(name);
    if (info.statename === state) return info;
    if (Date.now() > deadline) throw new Error(`${name} never reached ${state}: ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a process killed by a signal: exit.signal names it, exitstatus -1, not expected', async () => {
  await ctl('start', 'killed');
  await ctl('signal', 'KILL', 'killed');
  const info = await whenIn('killed', 'EXITED');
  assert.deepEqual({ ...info.exit, uptime: typeof info.exit?.uptime }, { at: info.stop, exitstatus: -1, signal: 'SIGKILL', expected: false, uptime: 'number' });
});

test('a process stopped on request: the stop signal, expected per exitcodes as the stopped: line says', async () => {
  await ctl('start', 'idle');
  await ctl('stop', 'idle');
  const info = await whenIn('idle', 'STOPPED');
  assert.equal(info.exit?.signal, 'SIGTERM');
  assert.equal(info.exit?.exitstatus, -1);
  assert.equal(info.exit?.expected, false);
});

test('an exit code in exitcodes is expected, one outside is not; no signal', async () => {
  await ctl('start', 'three');
  await ctl('start', 'one');
  const three = await whenIn('three', 'EXITED');
  const one = await whenIn('one', 'EXITED');
  assert.deepEqual([three.exit?.exitstatus, three.exit?.signal, three.exit?.expected], [3, null, true]);
  assert.deepEqual([one.exit?.exitstatus, one.exit?.signal, one.exit?.expected], [1, null, false]);
  assert.equal(three.exit?.at, three.stop);
});

test('an exit during startsecs: the real code and "not expected", though getProcessInfo says exitstatus 0 as 4.2.5 does', async () => {
  await ctl('start', 'quick'); // exits 3 within startsecs=1, startretries=0: FATAL
  const quick = await whenIn('quick', 'FATAL');
  assert.equal(quick.exitstatus, 0);
  assert.deepEqual([quick.exit?.exitstatus, quick.exit?.signal, quick.exit?.expected], [3, null, false]);
});

test('a process that never exited has no exit record; a running one after an exit keeps its last', async () => {
  assert.equal((await listed('nolog')).exit, null);
  await ctl('start', 'killed');
  const running = await whenIn('killed', 'RUNNING');
  assert.equal(running.exit?.signal, 'SIGKILL');
  assert.equal(typeof running.exit?.uptime, 'number');
});
