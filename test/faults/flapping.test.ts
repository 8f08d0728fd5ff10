// 200 programs flapping at once (each exits at once and is restarted, at most once a second as our
// core throttles it): the daemon keeps answering RPC with bounded latency, every state change
// reaches an in-process plugin (counted against the starts the children themselves recorded and
// against the main log), and no file descriptor leaks across thousands of spawns.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, REPO_ROOT, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { decodeResponse, encodeMethodCall, type XmlRpcValue } from '../../src/xmlrpc/index.js';
import { openFdCount, readLines, RPC_SECTIONS } from './system.js';

const PROGRAMS = 200;
const FLAP_MS = 8_000;
const RECORD_EVENTS = path.join(REPO_ROOT, 'test', 'faults', 'fixtures', 'record-events.mjs');

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** One call on a connection of its own, closed after the answer: no kept-alive socket in the fd count. */
function call(socketPath: string, method: string, params: XmlRpcValue[] = []): Promise<XmlRpcValue> {
  const body = encodeMethodCall(method, params);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, agent: false, path: '/RPC2', method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), Connection: 'close' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          const value = decodeResponse(text);
          if (value instanceof Error) reject(value);
          else resolve(value as XmlRpcValue);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** waitFor for an asynchronous probe. */
async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function statenames(socket: string): Promise<string[]> {
  return ((await call(socket, 'supervisor.getAllProcessInfo')) as { statename: string }[]).map((p) => p.statename);
}

function countBy(lines: string[], pattern: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const name = pattern.exec(line)?.[1];
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

test(`${PROGRAMS} programs flapping: RPC stays responsive, every state change reaches the plugin, no fd leak`, async () => {
  const dir = makeTempDir('faults-flap-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const hold = path.join(dir, 'hold');
  const starts = path.join(dir, 'starts');
  const events = path.join(dir, 'events');
  fs.writeFileSync(hold, '');
  // while `hold` exists a start stays up (sleep); without it the program exits at once (0, expected)
  // and autorestart starts it again; each start is recorded by the child itself
  const conf = writeConfig(
    dir,
    RPC_SECTIONS(socket) +
      `[program:flap]\nprocess_name=flap_%(process_num)03d\nnumprocs=${PROGRAMS}\n` +
      `command=/bin/sh -c 'echo flap_%(process_num)03d >>${starts}; [ -e ${hold} ] && exec sleep 100000; exit 0'\n` +
      `startsecs=0\nautorestart=true\nredirect_stderr=true\nstdout_logfile=AUTO\n` +
      `[plugin:record]\nmodule=${RECORD_EVENTS}\nevents=PROCESS_STATE\nqueue_size=1000000\nfile=${events}\n`,
    'minfds=4096\n',
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    const pid = daemon.child.pid!;
    await waitFor(() => fs.existsSync(socket) || daemon.child.exitCode !== null, 20_000, 'the socket');
    assert.equal(daemon.child.exitCode, null, daemon.output());
    await waitUntil(async () => (await statenames(socket)).filter((s) => s === 'RUNNING').length === PROGRAMS, 30_000, 'all RUNNING');
    // steady state: every child running, its log file open
    await waitFor(() => readLines(starts).length === PROGRAMS, 10_000, 'every start recorded');
    const fdsBefore = openFdCount(pid);

    fs.rmSync(hold);
    await call(socket, 'supervisor.stopAllProcesses');
    await call(socket, 'supervisor.startAllProcesses', [false]);
    const latencies: number[] = [];
    const flapUntil = Date.now() + FLAP_MS;
    while (Date.now() < flapUntil) {
      const t0 = performance.now();
      const states = await statenames(socket);
      latencies.push(performance.now() - t0);
      assert.equal(states.length, PROGRAMS);
      await new Promise((r) => setTimeout(r, 100));
    }
    const flapStarts = readLines(starts).length - PROGRAMS;

    fs.writeFileSync(hold, '');
    await waitUntil(async () => (await statenames(socket)).every((s) => s === 'RUNNING'), 20_000, 'all RUNNING again');

    // every start the children recorded is a STARTING and a RUNNING event at the plugin and a
    // 'spawned:' line in the main log; every exit an EXITED event and an 'exited:' line
    const recorded = readLines(starts);
    await waitFor(() => readLines(events).filter((l) => l.startsWith('PROCESS_STATE_RUNNING ')).length >= recorded.length, 10_000, 'the plugin to catch up');
    const eventLines = readLines(events);
    const mainLog = daemon.mainLog().split('\n');
    const startsBy = countBy(recorded, /^(flap_\d+)$/);
    const startingBy = countBy(eventLines, /^PROCESS_STATE_STARTING (\S+)$/);
    const runningBy = countBy(eventLines, /^PROCESS_STATE_RUNNING (\S+)$/);
    const exitedBy = countBy(eventLines, /^PROCESS_STATE_EXITED (\S+)$/);
    const spawnedBy = countBy(mainLog, /spawned: '(\S+)' with pid/);
    const exitedLogBy = countBy(mainLog, /exited: (\S+) \(exit status 0; expected\)/);
    assert.deepEqual(startingBy, startsBy, 'STARTING events = starts recorded by the children');
    assert.deepEqual(runningBy, startsBy, 'RUNNING events = starts');
    assert.deepEqual(spawnedBy, startsBy, "'spawned:' lines = starts");
    assert.deepEqual(exitedBy, exitedLogBy, "EXITED events = 'exited:' lines");
    const stopped = eventLines.filter((l) => l.startsWith('PROCESS_STATE_STOPPED ')).length;
    assert.equal(stopped, PROGRAMS, 'the stopAllProcesses of the sleeping ones');
    assert.equal(eventLines.filter((l) => l.startsWith('PROCESS_STATE_STOPPING ')).length, PROGRAMS);
    assert.equal(eventLines.filter((l) => /BACKOFF|FATAL|UNKNOWN/.test(l)).length, 0);
    const exits = [...exitedBy.values()].reduce((a, b) => a + b, 0);
    // each start of the flapping phase but the last one per program exited
    // every start after the held ones exited, except each program's last one (held again)
    assert.equal(exits, recorded.length - 2 * PROGRAMS);
    assert.ok(flapStarts >= PROGRAMS * 3, `at least 3 flaps per program in ${FLAP_MS} ms (got ${flapStarts} starts)`);

    // bounded latency: the slowest getAllProcessInfo of ${PROGRAMS} processes while they flapped
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)]!;
    const max = sorted[sorted.length - 1]!;
    console.log(`flapping: ${flapStarts} starts in ${FLAP_MS} ms, getAllProcessInfo p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms over ${latencies.length} calls`);
    assert.ok(max < 2_000, `getAllProcessInfo took up to ${max.toFixed(0)} ms while flapping`);

    // the same steady state as before: same number of open descriptors once the last connections close
    await waitFor(() => openFdCount(pid) === fdsBefore, 10_000, `fds back to ${fdsBefore} (now ${openFdCount(pid)})`);
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});
