// The child log writer: append, back-pressure contract, and a failing listener not stopping the core.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ChildLogFile } from '../../src/output/child-log-file.js';
import { OutputPump, readChunks } from '../../src/output/pipe-to-log.js';
import { ProcessState } from '../../src/process/states.js';
import { processConfig, programGroup } from '../helpers/process-config.js';
import { withHarness } from '../helpers/supervisor-harness.js';

function tempFile(): { file: string; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-log-'));
  return { file: path.join(dir, 'out.log'), done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A FIFO with a reader that takes nothing until told: a target that pushes back, as a pipe to a
 * slow consumer does (a regular file takes everything at once).
 */
function slowFifo(dir: string): { path: string; drain: () => Promise<Buffer>; close: () => void } {
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const read: Buffer[] = [];
  let handedOver = false;
  return {
    path: fifo,
    drain: async () => {
      handedOver = true;
      // a socket reads the non-blocking FIFO on readiness (a file stream's read would fail with EAGAIN when it is empty)
      const reader = new net.Socket({ fd, readable: true, writable: false });
      reader.on('data', (d: Buffer) => read.push(d));
      await new Promise<void>((resolve) => reader.on('close', () => resolve()));
      return Buffer.concat(read);
    },
    // once drained, the reader's socket owns (and has closed) the descriptor
    close: () => {
      if (!handedOver) fs.closeSync(fd);
    },
  };
}

test('ChildLogFile appends to a regular file at once, and keeps what it had', async () => {
  const { file, done } = tempFile();
  try {
    fs.writeFileSync(file, 'before\n');
    const log = new ChildLogFile(file, { highWaterMark: 1024 });
    assert.equal(log.write(Buffer.from('a'.repeat(100))), true);
    assert.equal(log.write(Buffer.alloc(2000, 'b')), true, 'a regular file takes it in place');
    assert.equal(log.pending, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), `before\n${'a'.repeat(100)}${'b'.repeat(2000)}`);
    await log.close();
    assert.equal(log.size, 7 + 2100);
  } finally {
    done();
  }
});

test('ChildLogFile on a pipe that pushes back asks for a pause above its high-water mark, emits drain, loses nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-log-'));
  const fifo = slowFifo(dir);
  try {
    const log = new ChildLogFile(fifo.path, { highWaterMark: 1024 });
    const chunks = Array.from({ length: 100 }, (_, i) => Buffer.alloc(4096, 97 + (i % 26)));
    let refused = 0;
    for (const chunk of chunks) if (!log.write(chunk)) refused++;
    assert.ok(refused > 0, 'write() asked for a pause');
    const drained = new Promise((resolve) => log.once('drain', resolve));
    const received = fifo.drain();
    await drained;
    assert.equal(log.pending, 0);
    await log.close();
    assert.ok((await received).equals(Buffer.concat(chunks)));
  } finally {
    fifo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('OutputPump pauses the pipe while the file is behind and delivers every byte in order', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-log-'));
  const fifo = slowFifo(dir);
  try {
    const log = new ChildLogFile(fifo.path, { highWaterMark: 4096 });
    const pipe = new PassThrough();
    const pump = new OutputPump();
    pump.attach(pipe, log);
    readChunks(pipe, pump.push);
    let paused = false;
    pipe.on('pause', () => (paused = true));
    const chunks: Buffer[] = [];
    for (let i = 0; i < 200; i++) chunks.push(Buffer.from(`${i}:${'x'.repeat(1000)}\n`));
    for (const c of chunks) pipe.write(c);
    pipe.end();
    const received = fifo.drain();
    await new Promise((resolve) => pipe.on('close', resolve));
    await log.close();
    assert.ok(paused, 'the pipe was paused at least once');
    assert.equal((await received).toString(), Buffer.concat(chunks).toString());
  } finally {
    fifo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a throwing process-state listener is logged and the state machine carries on', () =>
  withHarness(async (h) => {
    const sup = h.run([programGroup(processConfig('app', { startsecs: 0 }))], { start: false });
    sup.on('process-state', () => {
      throw new Error('listener bug');
    });
    sup.start();
    await h.waitForState('app', ProcessState.RUNNING);
    assert.ok(h.logged('listener bug').length >= 1);
  }));
