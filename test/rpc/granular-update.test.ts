// Granular update (beyond 4.2.5): `update` restarts only the changed members of a group. With our
// supervisorctl and with the real 4.2.5 one against our daemon, unchanged members keep their pid;
// numprocs down stops only the last, up starts only the new ones; the RPC steps on one connection
// report only the members they touch and emit no PROCESS_GROUP events; a group-level change, or
// the same calls on another connection, mean what they mean in 4.2.5.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { RpcClient } from '../../src/ctl/rpc-client.js';
import { FIXTURES, isAlive, makeTempDir, startDaemon, waitFor, writeConfig, type RunningDaemon } from '../helpers/daemon.js';
import { ctlBoth, OUR_SUPERVISORCTL, REFERENCE_SUPERVISORCTL, startParityPair, type ParityDaemon } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';

const FOREVER = path.join(FIXTURES, 'forever.sh');
const LISTENER = path.join(FIXTURES, 'listener.py');

interface Info {
  name: string;
  group: string;
  pid: number;
  statename: string;
}

interface Harness {
  dir: string;
  conf: string;
  socket: string;
  daemon: RunningDaemon;
  /** rewrite the program sections */
  write: (programs: string) => void;
  pids: () => Promise<Record<string, number>>;
  /** every process RUNNING (a fresh spawn counts once it is) */
  allRunning: () => Promise<Record<string, number>>;
  ctl: (client: 'ours' | 'real', ...args: string[]) => { status: number | null; stdout: string };
}

async function start(t: TestContext, programs: string): Promise<Harness> {
  const dir = makeTempDir('sv-granular-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const socket = path.join(dir, 'sock');
  const head = `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://${socket}\n`;
  const write = (body: string): void => void writeConfig(dir, head + body);
  write(programs);
  const conf = path.join(dir, 'supervisord.conf');
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const infos = async () => (await rpcCall(socket, 'supervisor.getAllProcessInfo')) as unknown as Info[];
  const pids = async () => Object.fromEntries((await infos()).map((i) => [`${i.group}:${i.name}`, i.pid]));
  const harness: Harness = {
    dir,
    conf,
    socket,
    daemon,
    write,
    pids,
    allRunning: async () => {
      await eventually(async () => {
        const latest = await infos();
        return latest.length > 0 && latest.every((i) => i.statename === 'RUNNING');
      }, 'every process RUNNING');
      return pids();
    },
    ctl: (client, ...args) => {
      const [file, ...prefix] = client === 'ours' ? [process.execPath, OUR_SUPERVISORCTL] : [REFERENCE_SUPERVISORCTL];
      const r = spawnSync(file!, [...prefix, '-c', conf, ...args], { encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout + r.stderr };
    },
  };
  await waitFor(() => fs.existsSync(socket), 10_000, 'the daemon serving');
  return harness;
}

// waitFor with an async probe: polls until it resolves truthy
async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const GROUP = (b: string, c: string) => `
[group:g]
programs=a,b,c
[program:a]
command=${FOREVER} a
startsecs=0
[program:b]
command=${FOREVER} ${b}
startsecs=0
[program:c]
command=${FOREVER} ${c}
startsecs=0
`;

test('changing one member of a [group:x] restarts only it, with our supervisorctl and with 4.2.5s', async (t) => {
  const h = await start(t, GROUP('b1', 'c1'));
  const before = await h.allRunning();

  h.write(GROUP('b2', 'c1'));
  const ours = h.ctl('ours', 'update');
  assert.deepEqual(ours, { status: 0, stdout: 'g: stopped\ng: updated process group\n' });
  const afterOurs = await h.allRunning();
  assert.equal(afterOurs['g:a'], before['g:a'], 'a unchanged: same pid');
  assert.equal(afterOurs['g:c'], before['g:c'], 'c unchanged: same pid');
  assert.notEqual(afterOurs['g:b'], before['g:b'], 'b changed: a new process');
  assert.equal(isAlive(before['g:b']!), false, 'the old b is gone');

  h.write(GROUP('b2', 'c2'));
  const real = h.ctl('real', 'update');
  assert.deepEqual(real, { status: 0, stdout: 'g: stopped\ng: updated process group\n' });
  const afterReal = await h.allRunning();
  assert.equal(afterReal['g:a'], before['g:a']);
  assert.equal(afterReal['g:b'], afterOurs['g:b']);
  assert.notEqual(afterReal['g:c'], before['g:c']);
  assert.match(h.daemon.mainLog(), /INFO updated process group g in place: kept a,b; dropped c; new c/);

  // nothing changed: nothing to do, nobody restarts
  assert.deepEqual(h.ctl('real', 'update'), { status: 0, stdout: '' });
  assert.deepEqual(await h.pids(), afterReal);
});

const WORKERS = (numprocs: number) => `
[program:w]
command=${FOREVER}
process_name=w_%(process_num)s
numprocs=${numprocs}
startsecs=0
environment_file=%(here)s/w-%(process_num)s.env
`;

test('a numprocs program: one process changed (its own env file) restarts alone; numprocs 3 -> 2 stops only the last; 2 -> 4 starts only the new ones', async (t) => {
  const dir = makeTempDir('sv-granular-env-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const envFile = (n: number) => path.join(dir, `w-${n}.env`);
  for (const n of [0, 1, 2, 3]) fs.writeFileSync(envFile(n), `N=${n}\n`);
  const h = await start(t, WORKERS(3).replaceAll('%(here)s', dir));
  const original = await h.allRunning();
  assert.deepEqual(Object.keys(original), ['w:w_0', 'w:w_1', 'w:w_2']);

  fs.writeFileSync(envFile(1), 'N=one\n');
  assert.deepEqual(h.ctl('real', 'update'), { status: 0, stdout: 'w: stopped\nw: updated process group\n' });
  const three = await h.allRunning();
  assert.equal(three['w:w_0'], original['w:w_0']);
  assert.equal(three['w:w_2'], original['w:w_2']);
  assert.notEqual(three['w:w_1'], original['w:w_1'], 'w_1 read a changed file: restarted');

  h.write(WORKERS(2).replaceAll('%(here)s', dir));
  assert.deepEqual(h.ctl('ours', 'update'), { status: 0, stdout: 'w: stopped\nw: updated process group\n' });
  const two = await h.allRunning();
  assert.deepEqual(two, { 'w:w_0': three['w:w_0'], 'w:w_1': three['w:w_1'] });
  assert.equal(isAlive(three['w:w_2']!), false, 'w_2 was stopped');
  await assert.rejects(rpcCall(h.socket, 'supervisor.getProcessInfo', ['w:w_2']), /BAD_NAME/);

  h.write(WORKERS(4).replaceAll('%(here)s', dir));
  assert.deepEqual(h.ctl('real', 'update'), { status: 0, stdout: 'w: stopped\nw: updated process group\n' });
  const four = await h.allRunning();
  assert.deepEqual(Object.keys(four), ['w:w_0', 'w:w_1', 'w:w_2', 'w:w_3']);
  assert.equal(four['w:w_0'], three['w:w_0']);
  assert.equal(four['w:w_1'], three['w:w_1']);
});

interface Recorded {
  eventname: string;
  fields: Record<string, string>;
}

test('the RPC steps on one connection: results name only the touched members, no PROCESS_GROUP events; a group-level change replaces the group', async (t) => {
  const listener = (dir: string) => `
[eventlistener:rec]
command=${LISTENER}
events=PROCESS_GROUP,PROCESS_STATE
buffer_size=100
environment=RECORD_FILE="${dir}/events.jsonl"
`;
  const dir0 = makeTempDir('sv-granular-events-');
  t.after(() => fs.rmSync(dir0, { recursive: true, force: true }));
  const h = await start(t, GROUP('b1', 'c1') + listener(dir0));
  const records = (): Recorded[] => {
    const file = path.join(dir0, 'events.jsonl');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as Recorded) : [];
  };
  const before = await h.allRunning();
  await waitFor(() => records().some((e) => e.eventname === 'PROCESS_STATE_RUNNING' && e.fields.processname === 'c'), 10_000, 'the listener saw c RUNNING');
  const seen = records().length;

  h.write(GROUP('b2', 'c1') + listener(dir0));
  // 4.2.5 supervisorctl's update sequence, on one connection as its client sends it
  const session = new RpcClient(`unix://${h.socket}`, { username: null, password: null });
  t.after(() => session.close());
  assert.deepEqual(await session.call('supervisor.reloadConfig'), [[[], ['g'], []]]);
  const stopped = await session.call<Array<{ name: string; group: string; status: number }>>('supervisor.stopProcessGroup', 'g');
  assert.deepEqual(stopped.map((r) => [r.group, r.name, r.status]), [['g', 'b', 80]]);
  assert.equal(await session.call('supervisor.removeProcessGroup', 'g'), true);
  // removed in name only: the unchanged members run on
  const between = (await rpcCall(h.socket, 'supervisor.getAllProcessInfo')) as unknown as Info[];
  assert.deepEqual(between.filter((i) => i.group === 'g').map((i) => `${i.name} ${i.statename}`), ['a RUNNING', 'b STOPPED', 'c RUNNING']);
  assert.equal(await session.call('supervisor.addProcessGroup', 'g'), true);
  const after = await h.allRunning();
  assert.equal(after['g:a'], before['g:a']);
  assert.equal(after['g:c'], before['g:c']);
  assert.notEqual(after['g:b'], before['g:b']);
  await waitFor(() => records().some((e, i) => i >= seen && e.eventname === 'PROCESS_STATE_RUNNING' && e.fields.processname === 'b'), 10_000, 'b RUNNING again');
  const inPlace = records().slice(seen).map((e) => `${e.eventname} ${e.fields.processname ?? e.fields.groupname}`);
  assert.deepEqual(inPlace, ['PROCESS_STATE_STOPPING b', 'PROCESS_STATE_STOPPED b', 'PROCESS_STATE_STARTING b', 'PROCESS_STATE_RUNNING b']);

  // a group-level setting (priority) changed: the whole group is replaced, as 4.2.5 does
  const seen2 = records().length;
  h.write(GROUP('b2', 'c1').replace('programs=a,b,c', 'programs=a,b,c\npriority=5') + listener(dir0));
  assert.deepEqual(h.ctl('ours', 'update'), { status: 0, stdout: 'g: stopped\ng: updated process group\n' });
  const whole = await h.allRunning();
  for (const name of ['g:a', 'g:b', 'g:c']) assert.notEqual(whole[name], after[name], `${name} restarted`);
  await waitFor(() => records().slice(seen2).filter((e) => e.eventname === 'PROCESS_STATE_RUNNING').length === 3, 10_000, 'three RUNNING events');
  const groupEvents = records().slice(seen2).filter((e) => e.eventname.startsWith('PROCESS_GROUP_')).map((e) => `${e.eventname} ${e.fields.groupname}`);
  assert.deepEqual(groupEvents, ['PROCESS_GROUP_REMOVED g', 'PROCESS_GROUP_ADDED g']);
});

test('the plan belongs to the connection that re-read: reread, then stop g:* elsewhere, stops the whole group', async (t) => {
  const h = await start(t, GROUP('b1', 'c1'));
  await h.allRunning();
  h.write(GROUP('b2', 'c1'));
  assert.deepEqual(h.ctl('real', 'reread'), { status: 0, stdout: 'g: changed\n' });
  const stop = h.ctl('real', 'stop', 'g:*');
  assert.equal(stop.status, 0);
  assert.deepEqual(stop.stdout.split('\n').filter(Boolean).sort(), ['g:a: stopped', 'g:b: stopped', 'g:c: stopped']);

  // and in our interactive shell, where one connection serves every command
  await rpcCall(h.socket, 'supervisor.startProcessGroup', ['g']);
  await h.allRunning();
  const shell = spawnSync(process.execPath, [OUR_SUPERVISORCTL, '-c', h.conf], { input: 'reread\nstop g:*\n', encoding: 'utf8' });
  assert.equal(shell.status, 0);
  for (const name of ['a', 'b', 'c']) assert.match(shell.stdout, new RegExp(`g:${name}: stopped`));
  await eventually(async () => ((await rpcCall(h.socket, 'supervisor.getAllProcessInfo')) as unknown as Info[]).every((i) => i.statename === 'STOPPED'), 'all stopped');
});

test('the deliberate difference: 4.2.5 restarts every member, ours only the changed one, and supervisorctl prints the same', async (t) => {
  const pair = await startParityPair(GROUP('b1', 'c1'));
  t.after(() => pair.stop());
  const pidsOf = async (d: ParityDaemon) =>
    Object.fromEntries(((await rpcCall(d.socket, 'supervisor.getAllProcessInfo')) as unknown as Info[]).map((i) => [i.name, i.pid]));
  const running = (d: ParityDaemon) =>
    eventually(async () => ((await rpcCall(d.socket, 'supervisor.getAllProcessInfo')) as unknown as Info[]).every((i) => i.statename === 'RUNNING'), `${d.kind}: all RUNNING`);
  await Promise.all(pair.both.map(running));
  const [ours1, theirs1] = await Promise.all(pair.both.map(pidsOf));

  for (const d of pair.both) d.writeConfig(GROUP('b2', 'c1'));
  const { ours, reference } = await ctlBoth(pair, ['update']);
  assert.deepEqual(ours, reference);
  assert.equal(ours.stdout, 'g: stopped\ng: updated process group\n');
  await Promise.all(pair.both.map(running));
  const [ours2, theirs2] = await Promise.all(pair.both.map(pidsOf));
  for (const name of ['a', 'b', 'c']) assert.notEqual(theirs2![name], theirs1![name], `4.2.5 restarted ${name}`);
  assert.deepEqual([ours2!.a, ours2!.c], [ours1!.a, ours1!.c], 'ours kept a and c');
  assert.notEqual(ours2!.b, ours1!.b, 'ours restarted b');
});
