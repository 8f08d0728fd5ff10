// The one writer of a daemon descriptor, on real descriptors: a FIFO read slowly by another
// process, a regular file, a pipe whose reader left. Records stay whole and in order; a slow
// reader costs memory, then spool, then counted drops; nothing ever throws into the caller.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { OrderedWriter } from '../../src/output/ordered-writer.js';
import { DescriptorLog } from '../../src/output/descriptor-log.js';
import { makeTempDir, waitFor } from '../helpers/daemon.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// Reads the FIFO `bytesPerTick` every `tickMs` into a file, as a container runtime's log driver might.
const PACED_READER = `
const fs = require('fs');
const [fifo, out, bytesPerTick, tickMs] = process.argv.slice(1);
const input = fs.openSync(fifo, 'r');
const output = fs.openSync(out, 'w');
const buffer = Buffer.alloc(Number(bytesPerTick));
const tick = () => {
  const got = fs.readSync(input, buffer, 0, buffer.length, null);
  if (got === 0) process.exit(0);
  fs.writeSync(output, buffer, 0, got);
  setTimeout(tick, Number(tickMs));
};
tick();
`;

/** A FIFO in a temp dir with a paced reader on the other end; returns our write end. */
function slowPipe(bytesPerTick: number, tickMs: number): { fd: number; out: string; done: Promise<void>; dir: string } {
  const dir = makeTempDir('ordered-writer-');
  dirs.push(dir);
  const fifo = path.join(dir, 'fifo');
  const out = path.join(dir, 'out');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn(process.execPath, ['-e', PACED_READER, fifo, out, String(bytesPerTick), String(tickMs)], { stdio: 'inherit' });
  const done = new Promise<void>((resolve) => reader.on('exit', () => resolve()));
  // blocks until the reader has opened its end
  const fd = fs.openSync(fifo, 'w');
  return { fd, out, done, dir };
}

function numbered(source: string, i: number, bytes: number): string {
  const head = `${source} ${i} `;
  return head + 'x'.repeat(Math.max(0, bytes - head.length - 1)) + '\n';
}

test('records from several sources reach a slow FIFO whole and in order, through memory and the spool', async () => {
  const pipe = slowPipe(64 * 1024, 2);
  const writer = new OrderedWriter(pipe.fd, 'test fifo');
  const reports: string[] = [];
  writer.configure({ spoolDir: pipe.dir, limits: { memoryBytes: 256 * 1024, spoolBytes: 64 * 1024 * 1024, highWaterMark: 64 * 1024 }, report: (_l, m) => reports.push(m) });
  const expected: string[] = [];
  for (let i = 0; i < 3000; i++) {
    // short lines, lines past PIPE_BUF and past the pipe's capacity, from three sources in turn
    const size = i % 100 === 0 ? 100_000 : i % 7 === 0 ? 5000 : 60;
    const record = numbered(['a', 'b', 'c'][i % 3]!, i, size);
    expected.push(record);
    writer.write(i % 2 === 0 ? record : Buffer.from(record));
  }
  const total = expected.reduce((n, r) => n + r.length, 0);
  assert.ok(writer.stats.spooled > 0, 'the backlog went past memory into the spool');
  await writer.idle();
  fs.closeSync(pipe.fd);
  await pipe.done;
  assert.equal(fs.readFileSync(pipe.out, 'utf8'), expected.join(''));
  assert.deepEqual({ ...writer.stats }, { written: total, spooled: writer.stats.spooled, dropped: 0, backlog: 0 });
  await waitFor(() => reports.some((m) => m.includes('caught up (0 bytes of output were dropped')), 2000, 'the caught-up report');
  assert.match(reports[0]!, /test fifo is written faster than it is read \(\d+ bytes wait\); keeping what waits in a spool file/);
});

test('past the spool cap whole records are dropped and counted, never a part of one', async () => {
  const pipe = slowPipe(16 * 1024, 5);
  const writer = new OrderedWriter(pipe.fd, 'capped fifo');
  const reports: string[] = [];
  writer.configure({ spoolDir: pipe.dir, limits: { memoryBytes: 64 * 1024, spoolBytes: 128 * 1024, highWaterMark: 64 * 1024 }, report: (_l, m) => reports.push(m) });
  const records: string[] = [];
  for (let i = 0; i < 2000; i++) {
    records.push(numbered('r', i, 1000));
    writer.write(records[i]!);
  }
  await writer.idle();
  fs.closeSync(pipe.fd);
  await pipe.done;
  const lines = fs.readFileSync(pipe.out, 'utf8').split('\n').slice(0, -1);
  // every line that arrived is whole and they are in order
  let last = -1;
  for (const line of lines) {
    assert.equal(line + '\n', numbered('r', Number(line.split(' ')[1]), 1000));
    const n = Number(line.split(' ')[1]);
    assert.ok(n > last, `order: ${n} after ${last}`);
    last = n;
  }
  const { written, dropped } = writer.stats;
  assert.ok(dropped > 0, 'some were dropped');
  assert.equal(written + dropped, 2000 * 1000);
  assert.equal(dropped % 1000, 0, 'whole records only');
  await waitFor(() => reports.some((m) => /caught up \(\d+ bytes of output were dropped meanwhile/.test(m)), 2000, 'the caught-up report');
  assert.ok(reports.some((m) => m.includes('dropping output: its spool is full (131072 bytes)')), reports.join('\n'));
});

test('a regular file is written in place, at once', () => {
  const dir = makeTempDir('ordered-writer-');
  dirs.push(dir);
  const file = path.join(dir, 'out');
  const fd = fs.openSync(file, 'w');
  const writer = new OrderedWriter(fd, 'test file');
  writer.write('one\n');
  writer.write(Buffer.from('two\n'));
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\n');
  assert.equal(writer.backlog, 0);
  fs.closeSync(fd);
});

test('a reader that went away costs the records, counted, and never throws', async () => {
  const dir = makeTempDir('ordered-writer-');
  dirs.push(dir);
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('head', ['-c', '10', fifo], { stdio: ['ignore', 'ignore', 'inherit'] });
  const fd = fs.openSync(fifo, 'w');
  const writer = new OrderedWriter(fd, 'gone fifo');
  const reports: string[] = [];
  writer.configure({ spoolDir: dir, report: (_l, m) => reports.push(m) });
  const exited = new Promise((resolve) => reader.on('exit', resolve));
  // head takes 10 bytes and leaves; the rest meets a pipe without a reader
  for (let i = 0; i < 100; i++) writer.write(numbered('g', i, 100));
  await exited;
  await writer.idle();
  writer.write('after\n');
  await writer.idle();
  assert.equal(writer.stats.written + writer.stats.dropped, 100 * 100 + 6);
  assert.ok(writer.stats.dropped > 0);
  await waitFor(() => reports.some((m) => m.includes('its reader has gone (EPIPE)')), 2000, 'the EPIPE report');
  fs.closeSync(fd);
});

test('DescriptorLog hands on whole lines only: two programs writing pieces never cut each other', async () => {
  const dir = makeTempDir('ordered-writer-');
  dirs.push(dir);
  const file = path.join(dir, 'out');
  const fd = fs.openSync(file, 'w');
  const writer = new OrderedWriter(fd, 'shared');
  const a = new DescriptorLog('/dev/stdout', writer);
  const b = new DescriptorLog('/dev/stdout', writer);
  a.write(Buffer.from('a1 first half '));
  b.write(Buffer.from('b1 whole\nb2 st'));
  writer.write('main log line\n');
  a.write(Buffer.from('second half\na2'));
  b.write(Buffer.from('arts\n'));
  assert.equal(a.holdsPartial, true);
  a.flushPartial();
  assert.equal(fs.readFileSync(file, 'utf8'), 'b1 whole\nmain log line\na1 first half second half\nb2 starts\na2');
  await a.close();
  await b.close();
  fs.closeSync(fd);
});
