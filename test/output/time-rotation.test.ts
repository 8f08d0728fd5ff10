// Rotation by time (stdout_logfile_rotate / stderr_logfile_rotate, beyond 4.2.5): driven by a fake
// clock across local midnights and hours, the boundaries checked across DST changes in real time
// zones (a child process per TZ), and the key wired through a real daemon.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { ChildLogFile } from '../../src/output/child-log-file.js';
import type { Clock } from '../../src/output/time-rotation.js';
import { makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempLog(): { dir: string; file: string } {
  const dir = makeTempDir('time-rotation-');
  dirs.push(dir);
  return { dir, file: path.join(dir, 'app.log') };
}

/** A clock that moves only when told; advance() runs the wake-ups that come due, in time order. */
class FakeClock implements Clock {
  private readonly wakeUps: Array<{ time: number; fn: () => void; live: boolean }> = [];

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  at(time: number, fn: () => void): () => void {
    const wakeUp = { time, fn, live: true };
    this.wakeUps.push(wakeUp);
    return () => (wakeUp.live = false);
  }

  advance(to: number): void {
    this.t = to;
    for (;;) {
      const due = this.wakeUps.filter((w) => w.live && w.time <= to).sort((a, b) => a.time - b.time)[0];
      if (due === undefined) return;
      due.live = false;
      due.fn();
    }
  }

  /** Moves the time without running wake-ups: a timer that fires late. */
  set(to: number): void {
    this.t = to;
  }

  get pending(): number {
    return this.wakeUps.filter((w) => w.live).length;
  }
}

const read = (file: string): string => fs.readFileSync(file, 'utf8');
const local = (...fields: [number, number, number, number?, number?, number?, number?]): number => new Date(...(fields as [number, number, number, number, number, number, number])).getTime();

test('daily: 23:59:59.9 goes to the old file, 00:00:00 local starts a new one; names and backups as size rotation', async () => {
  const { dir, file } = tempLog();
  const clock = new FakeClock(local(2026, 11, 6, 23, 59, 59, 900));
  const log = new ChildLogFile(file, { rotateEvery: 'daily', backups: 2, clock });
  log.write(Buffer.from('day 6\n'));
  clock.advance(local(2026, 11, 6, 23, 59, 59, 999));
  assert.deepEqual(fs.readdirSync(dir), ['app.log'], 'nothing before midnight');
  clock.advance(local(2026, 11, 7));
  assert.equal(read(`${file}.1`), 'day 6\n', 'rotated at the boundary, by the wake-up alone');
  assert.equal(read(file), '');
  log.write(Buffer.from('day 7\n'));
  clock.advance(local(2026, 11, 8, 0, 0, 0, 1));
  log.write(Buffer.from('day 8\n'));
  clock.advance(local(2026, 11, 9, 12));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['app.log', 'app.log.1', 'app.log.2']);
  assert.equal(read(`${file}.2`), 'day 7\n', 'the oldest beyond backups=2 is dropped');
  assert.equal(read(`${file}.1`), 'day 8\n');
  await log.close();
  assert.equal(clock.pending, 0, 'close cancels the wake-up');
});

test('a late wake-up: bytes written after the boundary still start the new file', async () => {
  const { file } = tempLog();
  const clock = new FakeClock(local(2026, 11, 6, 23, 59, 59, 900));
  const log = new ChildLogFile(file, { rotateEvery: 'daily', backups: 3, clock });
  log.write(Buffer.from('before\n'));
  clock.set(local(2026, 11, 7, 0, 0, 0, 50));
  log.write(Buffer.from('after\n'));
  assert.equal(read(`${file}.1`), 'before\n');
  assert.equal(read(file), 'after\n');
  // the wake-up that comes late finds the boundary already handled: no second rotation
  clock.advance(local(2026, 11, 7, 0, 0, 1));
  assert.equal(read(file), 'after\n');
  assert.equal(fs.existsSync(`${file}.2`), false);
  await log.close();
});

test('hourly, combined with maxbytes and gzip: size rotations inside the hour, one more at the hour, an empty file left alone', async () => {
  const { dir, file } = tempLog();
  const clock = new FakeClock(local(2026, 11, 6, 13, 15));
  const log = new ChildLogFile(file, { rotateEvery: 'hourly', maxBytes: 10, backups: 5, compress: true, clock });
  log.write(Buffer.from('0123456789'));
  log.write(Buffer.from('abc\n'));
  clock.advance(local(2026, 11, 6, 14));
  // an hour with no output leaves no empty copy behind
  clock.advance(local(2026, 11, 6, 15));
  log.write(Buffer.from('at three\n'));
  await log.close();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['app.log', 'app.log.1.gz', 'app.log.2.gz']);
  assert.equal(zlib.gunzipSync(fs.readFileSync(`${file}.2.gz`)).toString(), '0123456789');
  assert.equal(zlib.gunzipSync(fs.readFileSync(`${file}.1.gz`)).toString(), 'abc\n');
  assert.equal(read(file), 'at three\n');
});

test('a file last written in an earlier period is rotated when opened; one of this period is appended to', async () => {
  const { file } = tempLog();
  const now = local(2026, 11, 7, 9, 30);
  fs.writeFileSync(file, 'yesterday\n');
  fs.utimesSync(file, new Date(local(2026, 11, 6, 23, 59)), new Date(local(2026, 11, 6, 23, 59)));
  const log = new ChildLogFile(file, { rotateEvery: 'daily', backups: 1, clock: new FakeClock(now) });
  log.write(Buffer.from('today\n'));
  await log.close();
  assert.equal(read(`${file}.1`), 'yesterday\n');
  fs.utimesSync(file, new Date(local(2026, 11, 7, 0, 0, 1)), new Date(local(2026, 11, 7, 0, 0, 1)));
  const again = new ChildLogFile(file, { rotateEvery: 'daily', backups: 1, clock: new FakeClock(now) });
  again.write(Buffer.from('still today\n'));
  await again.close();
  assert.equal(read(file), 'today\nstill today\n');
  assert.equal(read(`${file}.1`), 'yesterday\n');
});

// The boundaries computed by the code under test in a child whose TZ is the zone, printed as UTC.
const TIME_ROTATION_JS = fileURLToPath(new URL('../../src/output/time-rotation.js', import.meta.url));
function boundariesIn(tz: string, cases: Array<[string, 'daily' | 'hourly']>): string[] {
  const script = `import { nextBoundary } from ${JSON.stringify(TIME_ROTATION_JS)};
    const cases = ${JSON.stringify(cases)};
    console.log(JSON.stringify(cases.map(([t, p]) => new Date(nextBoundary(Date.parse(t), p)).toISOString())));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

test('DST, Europe/Berlin: the short and the long day, and the hours on both sides of each change', () => {
  const got = boundariesIn('Europe/Berlin', [
    ['2026-03-28T22:59:59.900Z', 'daily'], // 23:59:59.9 CET
    ['2026-03-28T23:00:00.000Z', 'daily'], // 00:00 CET of the 23-hour day
    ['2026-03-29T00:30:00.000Z', 'hourly'], // 01:30 CET: the next hour is 03:00 CEST
    ['2026-03-29T01:00:00.000Z', 'hourly'], // 03:00 CEST
    ['2026-10-24T22:00:00.000Z', 'daily'], // 00:00 CEST of the 25-hour day
    ['2026-10-25T00:30:00.000Z', 'hourly'], // 02:30 CEST, first pass
    ['2026-10-25T01:30:00.000Z', 'hourly'], // 02:30 CET, second pass
  ]);
  assert.deepEqual(got, [
    '2026-03-28T23:00:00.000Z',
    '2026-03-29T22:00:00.000Z',
    '2026-03-29T01:00:00.000Z',
    '2026-03-29T02:00:00.000Z',
    '2026-10-25T23:00:00.000Z',
    '2026-10-25T01:00:00.000Z',
    '2026-10-25T02:00:00.000Z',
  ]);
});

test('DST, America/New_York: 01:59:59.9 EST then 03:00 EDT; the repeated 01:00 hour; the 25-hour day', () => {
  const got = boundariesIn('America/New_York', [
    ['2026-03-08T06:59:59.900Z', 'hourly'], // 01:59:59.9 EST
    ['2026-03-08T05:00:00.000Z', 'daily'], // 00:00 EST of the 23-hour day
    ['2026-11-01T05:30:00.000Z', 'hourly'], // 01:30 EDT
    ['2026-11-01T06:00:00.000Z', 'hourly'], // 01:00 EST
    ['2026-11-01T04:00:00.000Z', 'daily'], // 00:00 EDT
  ]);
  assert.deepEqual(got, [
    '2026-03-08T07:00:00.000Z',
    '2026-03-09T04:00:00.000Z',
    '2026-11-01T06:00:00.000Z',
    '2026-11-01T07:00:00.000Z',
    '2026-11-02T05:00:00.000Z',
  ]);
});

test('the keys through a real daemon: a log left from yesterday is rotated at start; 4.2.5 loads the file', async () => {
  const dir = makeTempDir('time-rotation-daemon-');
  dirs.push(dir);
  const conf = writeConfig(
    dir,
    `[program:app]\ncommand=/bin/sh -c 'echo out; echo err >&2; exec sleep 60'\nstdout_logfile=%(here)s/out.log\nstdout_logfile_rotate=daily\n` +
      `stderr_logfile=%(here)s/err.log\nstderr_logfile_rotate=hourly\nstderr_logfile_backups=1\n`,
  );
  const yesterday = new Date(Date.now() - 36 * 3600_000);
  for (const name of ['out.log', 'err.log']) {
    fs.writeFileSync(path.join(dir, name), `old ${name}\n`);
    fs.utimesSync(path.join(dir, name), yesterday, yesterday);
  }
  const real = JSON.parse(execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, '-C', dir, conf], { encoding: 'utf8' })) as { ok: boolean };
  assert.equal(real.ok, true, '4.2.5 loads it');
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await waitFor(() => read(path.join(dir, 'out.log')) === 'out\n' && read(path.join(dir, 'err.log')) === 'err\n', 20_000, 'the new output in new files');
    assert.equal(read(path.join(dir, 'out.log.1')), 'old out.log\n');
    assert.equal(read(path.join(dir, 'err.log.1')), 'old err.log\n');
  } finally {
    await daemon.stop();
  }
});
