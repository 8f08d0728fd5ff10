// [supervisord] statefile (beyond 4.2.5): the operator's starts and stops outlive the daemon. Real
// daemons, the real 4.2.5 supervisorctl as the operator's client, XML-RPC for the calls that must be
// on disk the moment they are answered (the daemon is SIGKILLed right after).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { makeTempDir, REFERENCE_DAEMON, startDaemon, waitFor, type RunningDaemon } from '../helpers/daemon.js';
import { REFERENCE_SUPERVISORCTL } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';

const run = promisify(execFile);
const dirs: string[] = [];
const daemons: RunningDaemon[] = [];
after(async () => {
  for (const daemon of daemons) await daemon.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const LOOP = `/bin/sh -c 'while :; do sleep 0.2; done'`;
const WEB = `[program:web]\ncommand=${LOOP}\nstartsecs=0\n`;
const BATCH = `[program:batch]\ncommand=${LOOP}\nstartsecs=0\nautostart=false\n`;

function writeConf(dir: string, programs: string, statefile = true): string {
  const file = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    file,
    `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n${statefile ? 'statefile=%(here)s/state.json\n' : ''}\n` +
      `[unix_http_server]\nfile=${dir}/sock\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n` +
      `[supervisorctl]\nserverurl=unix://${dir}/sock\n\n${programs}`,
  );
  return file;
}

function setup(programs: string, statefile = true): { dir: string; conf: string } {
  const dir = makeTempDir('statefile-');
  dirs.push(dir);
  return { dir, conf: writeConf(dir, programs, statefile) };
}

function boot(dir: string, conf: string, daemon?: string[]): RunningDaemon {
  const started = startDaemon(dir, ['-n', '-c', conf], daemon ? { daemon } : {});
  daemons.push(started);
  return started;
}

async function info(dir: string, name: string): Promise<{ statename: string; pid: number; start: number }> {
  return (await rpcCall(path.join(dir, 'sock'), 'supervisor.getProcessInfo', [name])) as unknown as { statename: string; pid: number; start: number };
}

/** Resolves once the daemon answers and `name` is in `state`. */
async function waitForState(dir: string, name: string, state: string): Promise<void> {
  let last = '';
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      last = (await info(dir, name)).statename;
      if (last === state) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${name} not ${state} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ctl(conf: string, ...args: string[]): Promise<{ stdout: string }> {
  return run(REFERENCE_SUPERVISORCTL, ['-c', conf, ...args]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
}

function state(dir: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
}

test('stop web and start batch (autostart=false) by hand, SIGTERM, start again: web stays STOPPED, batch is started', async () => {
  const { dir, conf } = setup(WEB + BATCH);
  const first = boot(dir, conf);
  await waitForState(dir, 'web', 'RUNNING');
  assert.match((await ctl(conf, 'stop', 'web')).stdout, /web: stopped/);
  assert.match((await ctl(conf, 'start', 'batch')).stdout, /batch: started/);
  assert.deepEqual(state(dir), { version: 1, processes: { 'batch:batch': 'started', 'web:web': 'stopped' } });
  await first.stop();

  const second = boot(dir, conf);
  await waitForState(dir, 'batch', 'RUNNING');
  await second.waitForLog(/web stays stopped: it was stopped by hand \(statefile .*state\.json\)/);
  assert.match(second.mainLog(), /batch is started: it was started by hand/);
  const web = await info(dir, 'web');
  assert.equal(web.statename, 'STOPPED');
  assert.equal(web.start, 0, 'never started in this run');
  // restart is a start
  assert.match((await ctl(conf, 'restart', 'web')).stdout, /web: started/);
  assert.deepEqual(state(dir), { version: 1, processes: { 'batch:batch': 'started', 'web:web': 'started' } });
  await second.stop();
});

test('SIGKILL right after the RPC answers: the decision is already on disk', async () => {
  const { dir, conf } = setup('');
  // the marker ($0 of the loop) finds the children the killed daemon leaves behind
  const marked = `command=/bin/sh -c 'while :; do sleep 0.2; done' ${dir}\nstartsecs=0\n`;
  writeConf(dir, `[program:web]\n${marked}\n[program:batch]\n${marked}autostart=false\n`);
  const first = boot(dir, conf);
  await waitForState(dir, 'web', 'RUNNING');
  const sock = path.join(dir, 'sock');
  assert.equal(await rpcCall(sock, 'supervisor.stopProcess', ['web', false]), true);
  assert.equal(await rpcCall(sock, 'supervisor.startProcess', ['batch', false]), true);
  first.child.kill('SIGKILL');
  await first.exited;
  killLeftBehind(dir);

  const second = boot(dir, conf);
  await waitForState(dir, 'batch', 'RUNNING');
  assert.equal((await info(dir, 'web')).statename, 'STOPPED');
  await second.stop();
});

/** Ends the loops whose command line carries `marker`. */
function killLeftBehind(marker: string): void {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

test('statefile unset: a stop by hand is forgotten at the next start, as with 4.2.5 (which also ignores the key)', async () => {
  for (const [daemon, statefile] of [[undefined, false], [REFERENCE_DAEMON, false], [REFERENCE_DAEMON, true]] as const) {
    const what = `${daemon ? '4.2.5' : 'ours'}, statefile ${statefile ? 'set' : 'unset'}`;
    const { dir, conf } = setup(WEB, statefile);
    const first = boot(dir, conf, daemon ? [...daemon] : undefined);
    await waitForState(dir, 'web', 'RUNNING');
    assert.match((await ctl(conf, 'stop', 'web')).stdout, /web: stopped/, what);
    await first.stop();
    const second = boot(dir, conf, daemon ? [...daemon] : undefined);
    await waitForState(dir, 'web', 'RUNNING');
    assert.equal(fs.existsSync(path.join(dir, 'state.json')), false, what);
    await second.stop();
  }
});

test('reload (SIGHUP) respects it; stop all counts for every process, stopped or not', async () => {
  const { dir, conf } = setup(WEB + BATCH);
  const daemon = boot(dir, conf);
  await waitForState(dir, 'web', 'RUNNING');
  await ctl(conf, 'stop', 'all');
  assert.deepEqual(state(dir), { version: 1, processes: { 'batch:batch': 'stopped', 'web:web': 'stopped' } });
  await ctl(conf, 'start', 'batch');
  daemon.child.kill('SIGHUP');
  await daemon.waitForLog(/batch is started: it was started by hand/, 20_000);
  await waitForState(dir, 'batch', 'RUNNING');
  assert.match(daemon.mainLog(), /web stays stopped/);
  assert.equal((await info(dir, 'web')).statename, 'STOPPED');
  await daemon.stop();
});

test('update: a changed program stopped by hand stays stopped, a removed one is forgotten, update\'s own stops are not decisions', async () => {
  const API = `[program:api]\ncommand=${LOOP}\nstartsecs=0\n`;
  const { dir, conf } = setup(WEB + BATCH + API);
  const daemon = boot(dir, conf);
  await waitForState(dir, 'web', 'RUNNING');
  await waitForState(dir, 'api', 'RUNNING');
  await ctl(conf, 'stop', 'web');
  await ctl(conf, 'start', 'batch');
  // web's command changes (replaced member by member), batch goes, api's priority changes (its
  // group is stopped, removed and added again by update), extra is new
  const EXTRA = `[program:extra]\ncommand=${LOOP}\nstartsecs=0\n`;
  writeConf(dir, `[program:web]\ncommand=/bin/sh -c 'while :; do sleep 0.3; done'\nstartsecs=0\n` + `${API}priority=5\n` + EXTRA);
  const out = (await ctl(conf, 'update')).stdout;
  assert.match(out, /batch: removed process group/);
  assert.match(out, /api: updated process group/);
  await waitForState(dir, 'extra', 'RUNNING');
  await waitForState(dir, 'api', 'RUNNING');
  assert.equal((await info(dir, 'web')).statename, 'STOPPED');
  assert.deepEqual(state(dir), { version: 1, processes: { 'web:web': 'stopped' } });
  await daemon.stop();
});

test('a damaged statefile is named in a WARN line and ignored; the next decision replaces it', async () => {
  const { dir, conf } = setup(WEB + BATCH);
  fs.writeFileSync(path.join(dir, 'state.json'), '{"version": 1, "processes": {"web:web": "stopped"');
  const daemon = boot(dir, conf);
  await daemon.waitForLog(/WARN the statefile \S*state\.json is damaged \(not JSON: [^)]*\): it is ignored \(every process follows its autostart\)/);
  await waitForState(dir, 'web', 'RUNNING');
  assert.equal((await info(dir, 'batch')).statename, 'STOPPED');
  await ctl(conf, 'stop', 'web');
  assert.deepEqual(state(dir), { version: 1, processes: { 'web:web': 'stopped' } });
  await waitFor(() => !fs.readdirSync(dir).some((name) => name.endsWith('.tmp')), 1000, 'no temporary file left');
  await daemon.stop();
});
