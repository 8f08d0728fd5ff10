// Per-line timestamps and gzip of rotated copies (beyond 4.2.5), read back line by line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import zlib from 'node:zlib';
import { ChildLogFile } from '../../src/output/child-log-file.js';
import { LineStampInserter, timestampPrefixer } from '../../src/output/timestamp-format.js';
import { makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const ISO_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) (\d+)$/;

test('timestamped, rotated and gzipped child log: every kept line is whole, stamped, in order; the newest is last', async () => {
  const dir = makeTempDir('stamps-');
  dirs.push(dir);
  const lines = 20_000;
  const conf = writeConfig(
    dir,
    `[program:counter]\ncommand=seq 1 ${lines}\nautorestart=false\nstartsecs=0\nstdout_logfile=%(here)s/app.log\n` +
      `stdout_logfile_maxbytes=20KB\nstdout_logfile_backups=5\nstdout_logfile_timestamps=true\nstdout_logfile_compress=true\nstderr_logfile=NONE\n`,
  );
  const startedAt = Date.now();
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/exited: counter \(exit status 0; expected\)/, 30_000);
  } finally {
    await daemon.stop();
  }
  const names = fs.readdirSync(dir).filter((n) => n.startsWith('app.log')).sort();
  assert.deepEqual(names, ['app.log', 'app.log.1.gz', 'app.log.2.gz', 'app.log.3.gz', 'app.log.4.gz', 'app.log.5.gz']);
  const text = [5, 4, 3, 2, 1].map((n) => zlib.gunzipSync(fs.readFileSync(path.join(dir, `app.log.${n}.gz`))).toString()).join('') + fs.readFileSync(path.join(dir, 'app.log'), 'utf8');
  const all = text.split('\n');
  assert.equal(all.pop(), '', 'ends with a newline');
  // the oldest kept copy may begin inside a line whose start was rotated away
  if (!ISO_LINE.test(all[0] as string)) all.shift();
  let previousNumber = 0;
  let previousTime = startedAt - 1000;
  for (const line of all) {
    const match = ISO_LINE.exec(line);
    assert.ok(match, `not a stamped line: ${JSON.stringify(line)}`);
    const number = Number(match[2]);
    const time = Date.parse(match[1] as string);
    if (previousNumber !== 0) assert.equal(number, previousNumber + 1, 'consecutive');
    assert.ok(time >= previousTime && time <= Date.now(), `time ${match[1]} in order and in the run`);
    previousNumber = number;
    previousTime = time;
  }
  assert.equal(previousNumber, lines);
  assert.ok(all.length > 2000, `${all.length} lines kept`);
});

test('rotation never waits for gzip: plain copies wait their turn under moving numbers and end as the right .gz', async () => {
  const dir = makeTempDir('gzip-order-');
  dirs.push(dir);
  const file = path.join(dir, 'app.log');
  const log = new ChildLogFile(file, { maxBytes: 100_000, backups: 4, compress: true });
  // six rotations queued at once: the compressor is certainly behind the writer
  for (let i = 0; i < 6; i++) log.write(Buffer.from(`${String(i).repeat(99_999)}\n`));
  await log.close();
  const names = fs.readdirSync(dir).sort();
  assert.deepEqual(names, ['app.log', 'app.log.1.gz', 'app.log.2.gz', 'app.log.3.gz', 'app.log.4.gz']);
  for (let n = 1; n <= 4; n++) {
    const content = zlib.gunzipSync(fs.readFileSync(`${file}.${n}.gz`)).toString();
    assert.equal(content, `${String(6 - n).repeat(99_999)}\n`, `${file}.${n}.gz`);
  }
  assert.equal(fs.statSync(file).size, 0);
});

test('timestamp formats: tokens, literals, cached per millisecond; a format without tokens is refused', () => {
  const time = new Date(2026, 10, 22, 2, 10, 3, 45).getTime();
  assert.equal(timestampPrefixer('[at] YYYY/MM/DD HH:mm:ss.SSS')(time).toString(), 'at 2026/11/22 02:10:03.045 ');
  const offset = timestampPrefixer('ZZ|Z')(time).toString();
  assert.match(offset, /^[+-]\d{4}\|[+-]\d\d:\d\d $/);
  assert.throws(() => timestampPrefixer('[just text]'), /no date or time token/);
});

test('LineStampInserter stamps line starts only, across chunk boundaries, without copying the bytes', () => {
  let t = 0;
  const inserter = new LineStampInserter((time) => Buffer.from(`<${time}> `));
  const out: string[] = [];
  for (const [chunk, time] of [['ab', 1], ['c\nde', 2], ['\n', 3], ['\n\nf', 4]] as const) {
    t = time;
    out.push(Buffer.concat(inserter.stamp(Buffer.from(chunk), t)).toString());
  }
  assert.equal(out.join(''), '<1> abc\n<2> de\n<4> \n<4> \n<4> f');
});
