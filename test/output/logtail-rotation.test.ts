// tail -f across rotations: a child writing ~200 KB/s of numbered lines through a small rotating
// log, followed from before its first line. Every line arrives exactly once and in order: the
// follower finishes the old file before it moves on. 4.2.5 (and we, before) reopened the path at
// the next poll and lost what the old file got since the previous one, at every rotation.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { OUR_SUPERVISORCTL } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { SPAM_LINES } from '../faults/helpers.js';
import { assertAnswersRpc, RPC_SECTIONS } from '../faults/system.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// ~160 bytes a line, 50 lines a batch, a batch every 40 ms: ~200 KB/s for ~10 s
const COUNT = 12_500;
const PAUSE_MS = 40;

/** The sequence numbers of spam-lines.mjs lines in `text`, asserting each line whole. */
function sequence(text: string, name: string): number[] {
  const seqs: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name} `)) continue;
    const [, seq, xs = ''] = line.split(' ');
    assert.equal(xs.length, (Number(seq) * 37) % 300, `line ${seq} whole`);
    seqs.push(Number(seq));
  }
  return seqs;
}

function assertEveryLineOnce(seqs: number[], what: string): void {
  const gaps: string[] = [];
  for (let i = 0; i < seqs.length; i++) {
    const expected = i === 0 ? 0 : seqs[i - 1]! + 1;
    if (seqs[i] !== expected) gaps.push(`${expected}..${seqs[i]! - 1}`);
  }
  assert.deepEqual(gaps.slice(0, 10), [], `${what}: ${gaps.length} gaps (or repeats) in ${seqs.length} lines`);
  assert.equal(seqs.length, COUNT, `${what}: every line`);
}

test('tail -f and /logtail across rotations (plain, and gzip with a rotation every poll): every line once, in order', async () => {
  const dir = makeTempDir('logtail-rotation-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const program = (name: string, settings: string): string =>
    `[program:${name}]\ncommand=${process.execPath} ${SPAM_LINES} ${name} ${COUNT} ${PAUSE_MS}\nautostart=false\nautorestart=false\nstartsecs=0\n` +
    `stdout_logfile=${dir}/${name}.log\n${settings}\nstderr_logfile=NONE\n`;
  const conf = writeConfig(
    dir,
    RPC_SECTIONS(socket) +
      // 4.2.5's defaults but small: a rotation every ~0.5 s
      program('plain', 'stdout_logfile_maxbytes=100KB\nstdout_logfile_backups=2') +
      // a rotation about every poll, the old copy gzipped (its name gone) at once, one backup kept
      program('zipped', 'stdout_logfile_maxbytes=16KB\nstdout_logfile_backups=1\nstdout_logfile_compress=true'),
  );
  // a log exists from the first spawn on: made empty here, so that the followers start before line 0
  for (const name of ['plain', 'zipped']) fs.writeFileSync(`${dir}/${name}.log`, '');
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  let ctl: ChildProcess | null = null;
  let ctlOut = '';
  let rawOut = '';
  let raw: http.ClientRequest | null = null;
  try {
    await daemon.waitForLog(/supervisord started with pid/);
    await assertAnswersRpc(socket);
    ctl = spawn(process.execPath, [OUR_SUPERVISORCTL, '-s', `unix://${socket}`, 'tail', '-f', 'plain'], { stdio: ['ignore', 'pipe', 'pipe'] });
    ctl.stdout!.on('data', (d: Buffer) => (ctlOut += d.toString()));
    ctl.stderr!.on('data', (d: Buffer) => (ctlOut += d.toString()));
    await waitFor(() => ctlOut.includes('==> Press Ctrl-C to exit <=='), 10_000, `tail -f to start:\n${ctlOut}`);
    raw = http.get({ socketPath: socket, path: '/logtail/zipped' }, (res) => {
      assert.equal(res.statusCode, 200);
      res.on('data', (d: Buffer) => (rawOut += d.toString()));
    });
    raw.on('error', () => {});
    await waitFor(() => raw?.socket?.writable, 10_000, 'the /logtail request to be sent');

    await rpcCall(socket, 'supervisor.startProcess', ['plain']);
    await rpcCall(socket, 'supervisor.startProcess', ['zipped']);
    const last = (name: string): string => `\n${name} ${COUNT - 1} `;
    await waitFor(() => ctlOut.includes(last('plain')) && rawOut.includes(last('zipped')), 60_000, `both followers to see the last line`);
    // the zipped log rotated well over a hundred times, the plain one a dozen or more
    assert.ok(fs.existsSync(`${dir}/zipped.log.1.gz`) && fs.existsSync(`${dir}/plain.log.2`), 'both logs rotated');

    assertEveryLineOnce(sequence(ctlOut, 'plain'), 'tail -f plain');
    assertEveryLineOnce(sequence(rawOut, 'zipped'), '/logtail/zipped');
    assert.doesNotMatch(ctlOut + rawOut, /==>.*(truncated|skipped)/);
  } finally {
    raw?.destroy();
    ctl?.kill('SIGINT');
    await daemon.stop();
  }
});

test('a /logtail reader that stopped reading holds at most 8 files open while the log rotates on; it is told what it skipped', async () => {
  const dir = makeTempDir('logtail-stalled-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const count = 40_000;
  const conf = writeConfig(
    dir,
    RPC_SECTIONS(socket) +
      `[program:fast]\ncommand=${process.execPath} ${SPAM_LINES} fast ${count}\nautostart=false\nautorestart=false\nstartsecs=0\n` +
      `stdout_logfile=${dir}/fast.log\nstdout_logfile_maxbytes=16KB\nstdout_logfile_backups=1\nstderr_logfile=NONE\n`,
  );
  fs.writeFileSync(`${dir}/fast.log`, '');
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  let reader: http.ClientRequest | undefined;
  try {
    await daemon.waitForLog(/supervisord started with pid/);
    await assertAnswersRpc(socket);
    const pid = daemon.child.pid!;
    let received = '';
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      reader = http.get({ socketPath: socket, path: '/logtail/fast' }, resolve);
      reader.on('error', reject);
    });
    assert.equal(response.statusCode, 200);
    response.on('data', (d: Buffer) => (received += d.toString()));
    // stops reading the socket once Node's buffers are full: the daemon's writes then wait
    response.pause();
    const heldFiles = (): number =>
      fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${dir}/fast.log`);
        } catch {
          return false;
        }
      }).length;

    await rpcCall(socket, 'supervisor.startProcess', ['fast']);
    // ~6 MB through a 16 KB log: hundreds of rotations while the reader sleeps
    for (const deadline = Date.now() + 60_000; !/exited: fast \(exit status 0; expected\)/.test(daemon.mainLog()); ) {
      assert.ok(Date.now() < deadline, 'timed out waiting for the writer to end');
      // the writer's own file, the reader's 8 (the one it reads and 7 rotated in after it)
      assert.ok(heldFiles() <= 1 + 8, `at most 9 descriptors on fast.log*, saw ${heldFiles()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(heldFiles() <= 1 + 8);

    response.resume();
    await waitFor(() => received.includes(`\nfast ${count - 1} `), 30_000, 'the reader to get the last line');
    const notice = /^==> \d+ rotated file\(s\) skipped: this reader fell behind <==$/;
    const lines = received.split('\n');
    lines.pop();
    const notices = lines.filter((l) => notice.test(l)).length;
    assert.ok(notices > 0, 'the reader is told it skipped files');
    // whole lines in order; only the line a skip cut into, on each side of the notice, is not whole
    const whole = /^fast (\d+) (x*)$/;
    const seqs = lines.flatMap((l) => {
      const match = whole.exec(l);
      return match && match[2]!.length === (Number(match[1]) * 37) % 300 ? [Number(match[1])] : [];
    });
    assert.ok(lines.length - seqs.length - notices <= 2 * notices, `${lines.length - seqs.length - notices} cut lines for ${notices} notices`);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `in order: ${seqs[i - 1]} then ${seqs[i]}`);
    assert.equal(seqs.at(-1), count - 1);
  } finally {
    (reader as http.ClientRequest | undefined)?.destroy();
    await daemon.stop();
  }
});
