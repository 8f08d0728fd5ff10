// OutputPump: back-pressure from the sink, and gathering a chatty child's small writes into fewer reads.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { COALESCE_MS, OutputPump, type OutputSink } from '../../src/output/pipe-to-log.js';

/** A sink that takes what it is given, and refuses (until drained) when told to. */
class RecordingSink extends EventEmitter implements OutputSink {
  readonly chunks: string[] = [];
  refuse = false;
  write(chunk: Buffer): boolean {
    this.chunks.push(chunk.toString());
    return !this.refuse;
  }
}

/** A stream that counts resume() calls, the pump's only way to restart reading. */
function countingStream(): { stream: PassThrough; resumes: () => number } {
  const stream = new PassThrough();
  let resumes = 0;
  const resume = stream.resume.bind(stream);
  stream.resume = () => {
    resumes++;
    return resume();
  };
  return { stream, resumes: () => resumes };
}

test('a small chunk right after another pauses reading for a moment, widens the pipe once, then reads again', async () => {
  const sink = new RecordingSink();
  const { stream, resumes } = countingStream();
  let widened = 0;
  const pump = new OutputPump();
  pump.attach(stream, sink, () => widened++);
  assert.equal(pump.push(Buffer.from('one\n')), true, 'a first chunk is just taken');
  assert.equal(pump.push(Buffer.from('two\n')), false, 'a second small one at once: gather before reading again');
  assert.equal(widened, 1);
  assert.equal(resumes(), 0);
  await sleep(COALESCE_MS + 20);
  assert.equal(resumes(), 1, 'reading resumes after the pause');
  assert.equal(pump.push(Buffer.from('three\n')), true, 'a quiet moment since the last chunk');
  assert.equal(pump.push(Buffer.from('four\n')), false, 'busy again');
  assert.equal(widened, 1, 'the pipe is widened only once');
  assert.deepEqual(sink.chunks, ['one\n', 'two\n', 'three\n', 'four\n'], 'every chunk reached the sink, in order');
  stream.destroy();
});

test('large chunks and chunks far apart are never held back; large ones back to back widen the pipe', async () => {
  const sink = new RecordingSink();
  const { stream } = countingStream();
  let widened = 0;
  const pump = new OutputPump();
  pump.attach(stream, sink, () => widened++);
  const big = Buffer.alloc(64 * 1024, 'x');
  for (let i = 0; i < 5; i++) assert.equal(pump.push(big), true, 'a full read has nothing to wait for: no pause');
  assert.equal(widened, 1, 'but full reads back to back mean a pipe that fills: it is widened');
  await sleep(COALESCE_MS + 5);
  assert.equal(pump.push(Buffer.from('a\n')), true, 'a small chunk after a quiet moment is read at once');
  stream.destroy();
});

test('reading resumes only when the sink has drained and the gathering pause is over', async () => {
  const sink = new RecordingSink();
  const { stream, resumes } = countingStream();
  const pump = new OutputPump();
  pump.attach(stream, sink, null);
  pump.push(Buffer.from('a\n'));
  sink.refuse = true;
  assert.equal(pump.push(Buffer.from('b\n')), false, 'the sink is full');
  await sleep(COALESCE_MS + 20);
  assert.equal(resumes(), 0, 'no resume while the sink is behind');
  sink.refuse = false;
  sink.emit('drain');
  assert.equal(resumes(), 1);
  stream.destroy();
});

test('when the pipe closes, the sink is ended and a pending pause is dropped', async () => {
  let ended = 0;
  const sink = Object.assign(new RecordingSink(), { end: () => ended++ });
  const { stream, resumes } = countingStream();
  const pump = new OutputPump();
  pump.attach(stream, sink, null);
  pump.push(Buffer.from('a\n'));
  pump.push(Buffer.from('b\n'));
  stream.destroy();
  await sleep(COALESCE_MS + 20);
  assert.equal(ended, 1);
  assert.equal(resumes(), 0);
});

test("an eventlistener's stdout (coalesce off) is never held back: each quick answer is read at once", () => {
  const sink = new RecordingSink();
  const { stream, resumes } = countingStream();
  const pump = new OutputPump(false);
  pump.attach(stream, sink);
  for (let i = 0; i < 5; i++) assert.equal(pump.push(Buffer.from('RESULT 2\nOKREADY\n')), true, 'a request/response protocol: no pause');
  assert.equal(resumes(), 0, 'reading never stopped, so it never had to resume');
  assert.equal(sink.chunks.length, 5);
  stream.destroy();
});
