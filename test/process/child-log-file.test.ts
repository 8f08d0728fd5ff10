// The child log writer: append, back-pressure contract, and a failing listener not stopping the core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ChildLogFile } from '../../src/output/child-log-file.js';
import { pipeToLog } from '../../src/output/pipe-to-log.js';
import { ProcessState } from '../../src/process/states.js';
import { processConfig, programGroup } from '../helpers/process-config.js';
import { withHarness } from '../helpers/supervisor-harness.js';

function tempFile(): { file: string; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-log-'));
  return { file: path.join(dir, 'out.log'), done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('ChildLogFile appends, asks for a pause above its high-water mark and emits drain', async () => {
  const { file, done } = tempFile();
  try {
    fs.writeFileSync(file, 'before\n');
    const log = new ChildLogFile(file, { highWaterMark: 1024 });
    assert.equal(log.write(Buffer.from('a'.repeat(100))), true);
    assert.equal(log.write(Buffer.alloc(2000, 'b')), false);
    await new Promise((resolve) => log.once('drain', resolve));
    assert.equal(log.pending, 0);
    await log.close();
    assert.equal(fs.readFileSync(file, 'utf8'), `before\n${'a'.repeat(100)}${'b'.repeat(2000)}`);
    assert.equal(log.size, 7 + 2100);
  } finally {
    done();
  }
});

test('pipeToLog pauses the pipe while the file is behind and delivers every byte in order', async () => {
  const { file, done } = tempFile();
  try {
    const log = new ChildLogFile(file, { highWaterMark: 4096 });
    const pipe = new PassThrough();
    pipeToLog(pipe, log);
    let paused = false;
    pipe.on('pause', () => (paused = true));
    const chunks: Buffer[] = [];
    for (let i = 0; i < 200; i++) chunks.push(Buffer.from(`${i}:${'x'.repeat(1000)}\n`));
    for (const c of chunks) pipe.write(c);
    pipe.end();
    await new Promise((resolve) => pipe.on('close', resolve));
    await log.close();
    assert.ok(paused, 'the pipe was paused at least once');
    assert.equal(fs.readFileSync(file, 'utf8'), Buffer.concat(chunks).toString());
  } finally {
    done();
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
