// A child writing three 10 MB lines and binary garbage (NULs, lone \r, invalid UTF-8, a 100 KB
// random line): the log file gets every byte (sha256 against the child's own), a PROCESS_LOG plugin
// gets every line cut at log_line_maxbytes between two characters with each piece marked 'split' so
// that joining them gives the line back, the daemon's memory stays bounded, RPC answers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, REPO_ROOT, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { assertAnswersRpc, RPC_SECTIONS, rssKb } from './system.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'faults', 'fixtures');
const CAP = 16 * 1024;

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Piece {
  t: string;
  c: 'split' | 'partial' | null;
}

test('10 MB lines and binary garbage: every byte in the log file, lines cut at the cap and marked, memory bounded', async () => {
  const dir = makeTempDir('faults-hostile-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const log = path.join(dir, 'hostile.log');
  const result = path.join(dir, 'result.json');
  const received = path.join(dir, 'lines.jsonl');
  const conf = writeConfig(
    dir,
    RPC_SECTIONS(socket) +
      `[program:hostile]\ncommand=${process.execPath} ${FIXTURES}/hostile-output.mjs ${result}\nautostart=false\nautorestart=false\nstartsecs=0\n` +
      `stdout_logfile=${log}\nstdout_logfile_maxbytes=0\nstderr_logfile=NONE\nlog_line_maxbytes=${CAP}\n` +
      `[plugin:lines]\nmodule=${FIXTURES}/record-lines.mjs\nevents=PROCESS_LOG\nfile=${received}\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    const pid = daemon.child.pid!;
    await waitFor(() => fs.existsSync(socket), 10_000, 'the socket');
    await assertAnswersRpc(socket);
    const rssBefore = rssKb(pid);
    let rssMax = rssBefore;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssKb(pid))), 50);
    try {
      await rpcCall(socket, 'supervisor.startProcess', ['hostile']);
      await daemon.waitForLog(/exited: hostile \(exit status 0; expected\)/, 30_000);
    } finally {
      clearInterval(sampler);
    }
    await assertAnswersRpc(socket);

    // the file: every byte, as written
    const written = JSON.parse(fs.readFileSync(result, 'utf8')) as { bytes: number; sha256: string };
    await waitFor(() => fs.statSync(log).size >= written.bytes, 10_000, 'the log to hold every byte');
    const bytes = fs.readFileSync(log);
    assert.equal(bytes.length, written.bytes);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), written.sha256);

    // the plugin: the lines of the file, cut at the cap between characters, each piece but the
    // last of a line marked, and the pieces join back into the line
    const expected: Buffer[] = [];
    for (let start = 0, nl = bytes.indexOf(10); nl !== -1; start = nl + 1, nl = bytes.indexOf(10, start)) expected.push(bytes.subarray(start, nl));
    const joined = (): { lines: string[]; pieces: Piece[][] } => {
      const pieces: Piece[][] = [];
      let current: Piece[] = [];
      const text = fs.existsSync(received) ? fs.readFileSync(received, 'utf8') : '';
      for (const row of text.split('\n')) {
        if (row === '') continue;
        const piece = JSON.parse(row) as Piece;
        current.push(piece);
        if (piece.c === null) {
          pieces.push(current);
          current = [];
        }
      }
      return { lines: pieces.map((p) => p.map((x) => x.t).join('')), pieces };
    };
    await waitFor(() => joined().lines.length >= expected.length, 20_000, 'every line at the plugin');
    const { lines, pieces } = joined();
    assert.equal(lines.length, expected.length);
    let partial = 0;
    for (let i = 0; i < expected.length; i++) {
      const raw = expected[i]!;
      const cut = pieces[i]!;
      if (cut.some((p) => p.c === 'partial')) {
        // no newline for 200 ms (the child or the disk stalled): cut where the bytes stopped
        partial += 1;
        continue;
      }
      assert.equal(lines[i], raw.toString('utf8'), `line ${i} (${raw.length} bytes) joins back`);
      assert.ok(cut.length >= Math.ceil(raw.length / CAP), `line ${i}: ${cut.length} pieces for ${raw.length} bytes`);
      if (Buffer.from(raw.toString('utf8'), 'utf8').equals(raw)) {
        // valid UTF-8: no piece over the cap, none cut inside a character
        for (const p of cut) assert.ok(Buffer.byteLength(p.t) <= CAP, `line ${i}: a piece of ${Buffer.byteLength(p.t)} bytes`);
        assert.ok(cut.every((p) => !p.t.includes('\ufffd')), `line ${i}: no replacement character`);
      }
    }
    assert.ok(partial <= 3, `${partial} lines flushed as partial`);
    const big = pieces.slice(0, 3).map((p) => p.length);
    console.log(`hostile output: ${written.bytes} bytes, ${expected.length} lines, pieces of the 10 MB lines ${big.join('/')}, partial ${partial}, daemon RSS ${Math.round(rssBefore / 1024)} -> max ${Math.round(rssMax / 1024)} MiB`);
    assert.ok(big.every((n) => n >= 640), 'a 10 MB line is at least 640 pieces of 16 KiB');
    // memory: never the 10 MB line held whole, let alone three copies of it
    assert.ok(rssMax - rssBefore < 64 * 1024, `RSS grew by ${Math.round((rssMax - rssBefore) / 1024)} MiB`);
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});
