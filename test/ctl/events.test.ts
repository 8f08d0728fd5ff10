// `supervisorctl events`: follows our daemon's /events while a program starts, crashes and goes
// FATAL; the --json recording replayed through supervisor-listener-test gives a listener the very
// bytes the daemon's own pool gave one; against the real 4.2.5 it refuses as for an unknown command.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, makeTempDir, REFERENCE_DAEMON, REPO_ROOT, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const CTL = path.join(REPO_ROOT, 'bin', 'supervisorctl.js');
const BENCH = path.join(REPO_ROOT, 'bin', 'supervisor-listener-test.js');
const RECORD_RAW = path.join(FIXTURES, 'listeners', 'record-raw.py');

interface Follower {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function follow(conf: string, args: string[]): Follower {
  const child = spawn(process.execPath, [CTL, '-c', conf, 'events', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function run(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The envelopes in a raw recording: each header line with its payload of len characters. */
function envelopes(raw: string): string[] {
  const out: string[] = [];
  let rest = raw;
  while (rest.length) {
    const newline = rest.indexOf('\n');
    const header = rest.slice(0, newline + 1);
    const length = Number(/len:(\d+)\n$/.exec(header)![1]);
    const payload = [...rest.slice(newline + 1)].slice(0, length).join('');
    out.push(header + payload);
    rest = rest.slice(header.length + payload.length);
  }
  return out;
}

test('events --json follows a start, crash and FATAL in order; replayed through the bench, a listener gets the bytes the pool gave', async (t) => {
  const dir = makeTempDir('sv-ctl-events-');
  const socket = path.join(dir, 'supervisor.sock');
  const poolFile = path.join(dir, 'pool.raw');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[supervisorctl]\nserverurl=unix://${socket}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[eventlistener:rec]\ncommand=${RECORD_RAW}\nevents=PROCESS_STATE\nenvironment=RECORD_FILE="${poolFile}"\n` +
      `[program:crashy]\ncommand=${FIXTURES}/exit-1.sh\nautostart=false\nstartsecs=1\nstartretries=1\n` +
      `[program:steady]\ncommand=${FIXTURES}/forever.sh\nautostart=false\nstopsignal=KILL\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: rec entered RUNNING state/, 20_000);

  const json = follow(conf, ['--json', 'PROCESS_STATE', '-p', 'crashy']);
  const readable = follow(conf, ['-p', 'crashy']);
  t.after(() => {
    json.child.kill('SIGKILL');
    readable.child.kill('SIGKILL');
  });
  // each says so once the daemon has accepted its stream: nothing after it is missed
  await waitFor(() => json.stderr().includes('==> Press Ctrl-C to exit <==') && readable.stdout().includes('==> Press Ctrl-C to exit <=='), 20_000, 'both followers connected');
  assert.equal(json.stdout(), '');

  await run(process.execPath, [CTL, '-c', conf, 'start', 'steady']);
  await run(process.execPath, [CTL, '-c', conf, 'start', 'crashy']);
  await waitFor(() => json.stdout().includes('PROCESS_STATE_FATAL') && readable.stdout().includes('PROCESS_STATE_FATAL'), 30_000, 'FATAL in both streams');
  json.child.kill('SIGINT');
  readable.child.kill('SIGINT');
  assert.equal(await json.exited, 0, json.stderr());
  assert.equal(await readable.exited, 0, readable.stderr());

  const recorded = json.stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  // 4.2.5's sequence for startsecs=1, startretries=1 and a program that exits at once; steady filtered out
  assert.deepEqual(
    recorded.map((e) => [e.type, e.processname, e.from_state, e.tries]),
    [
      ['PROCESS_STATE_STARTING', 'crashy', 'STOPPED', 0],
      ['PROCESS_STATE_BACKOFF', 'crashy', 'STARTING', 1],
      ['PROCESS_STATE_STARTING', 'crashy', 'BACKOFF', 1],
      ['PROCESS_STATE_BACKOFF', 'crashy', 'STARTING', 2],
      ['PROCESS_STATE_FATAL', 'crashy', 'BACKOFF', undefined],
    ],
  );
  // the readable form: the time, the type, and the payload a listener reads
  const lines = readable.stdout().split('\n');
  assert.equal(lines[0], '==> Press Ctrl-C to exit <==');
  assert.match(lines[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} PROCESS_STATE_STARTING processname:crashy groupname:crashy from_state:STOPPED tries:0$/);
  assert.match(readable.stdout(), / PROCESS_STATE_FATAL processname:crashy groupname:crashy from_state:BACKOFF\n\n$/);

  // what the daemon's pool delivered about crashy, byte for byte
  await waitFor(() => fs.existsSync(poolFile) && fs.readFileSync(poolFile, 'utf8').includes('PROCESS_STATE_FATAL'), 20_000, 'FATAL at the pool listener');
  const pooled = envelopes(fs.readFileSync(poolFile, 'utf8')).filter((e) => e.includes('processname:crashy'));
  assert.equal(pooled.length, 5);
  const first = /serial:(\d+) pool:rec poolserial:(\d+)/.exec(pooled[0]!)!;

  const recording = path.join(dir, 'recording.jsonl');
  fs.writeFileSync(recording, json.stdout());
  const replayFile = path.join(dir, 'replay.raw');
  const bench = await run(process.execPath, [
    BENCH, '--events', recording, '--pool', 'rec', '--server', 'supervisor', '--serial', first[1]!, '--poolserial', first[2]!,
    '--env', `RECORD_FILE=${replayFile}`, RECORD_RAW,
  ]);
  assert.equal(bench.code, 0, bench.stdout + bench.stderr);
  assert.match(bench.stdout, /5 events, 5 OK, 0 FAIL, 0 faults: clean/);
  assert.equal(fs.readFileSync(replayFile, 'utf8'), pooled.join(''));
});

test('events against the real 4.2.5 says the server cannot, with the exit status of an unknown command', async (t) => {
  const dir = makeTempDir('sv-ctl-events-425-');
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[supervisorctl]\nserverurl=unix://${socket}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf], { daemon: REFERENCE_DAEMON });
  t.after(() => daemon.stop());
  await waitFor(() => fs.existsSync(socket), 20_000, '4.2.5 serving');
  for (let tries = 0; (await run(process.execPath, [CTL, '-c', conf, 'pid'])).code !== 0; tries++) {
    if (tries > 100) throw new Error('4.2.5 never answered');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const events = await run(process.execPath, [CTL, '-c', conf, 'events', '--json']);
  const unknown = await run(process.execPath, [CTL, '-c', conf, 'nosuchcommand']);
  assert.equal(unknown.code, 1);
  assert.equal(events.code, unknown.code);
  assert.equal(events.stdout, '');
  assert.equal(events.stderr, `Error: unix://${socket} cannot stream events: it has no /events (a supervisor-ts extension; supervisord 4.2.5 lacks it)\n`);
});
