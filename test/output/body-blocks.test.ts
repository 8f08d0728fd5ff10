// Recycled memory for line bodies (ADR 0021): a block is reused only once every holder gave it
// back, never when pinned, and a body read after its block went back throws instead of showing
// another body's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyBlocks } from '../../src/output/body-blocks.js';
import { LineFramer, type LineBatch } from '../../src/output/line-framer.js';

test('a block comes back for reuse when the last holder releases it, not before', () => {
  const blocks = new BodyBlocks();
  const first = blocks.take(100_000)!;
  assert.equal(first.body.length, 100_000);
  first.lease.retain(); // a pool's hold
  first.lease.release(); // the framer's
  const second = blocks.take(100_000)!;
  assert.notEqual(second.body.buffer, first.body.buffer, 'still held: a new block');
  first.lease.release(); // the pool's
  assert.equal(blocks.held, 25 * 4096, 'the body rounded up to whole pages');
  assert.equal(blocks.take(40_000)!.body.buffer === first.body.buffer, false, 'a block more than twice the body is not used for it');
  const third = blocks.take(90_000)!;
  assert.equal(third.body.buffer, first.body.buffer, 'a body it holds reuses the block');
  assert.equal(blocks.held, 0);
  assert.throws(() => first.lease.check(), /read after its memory was recycled/);
  assert.throws(() => first.lease.release(), /released more often than retained/);
});

test('a pinned block is left to the garbage collector; small and huge bodies are plain memory', () => {
  const blocks = new BodyBlocks();
  const taken = blocks.take(40_000)!;
  taken.lease.pin();
  taken.lease.release();
  assert.equal(blocks.held, 0);
  assert.notEqual(blocks.take(40_000)!.body.buffer, taken.body.buffer);
  assert.equal(blocks.take(1000), null);
  assert.equal(blocks.take(4 * 1024 * 1024), null);
});

/** A framer over 64 KiB chunks of 100-byte lines, keeping every batch it emits. */
function frame(readBody: boolean): { batches: LineBatch[]; bodies: Buffer[]; chunks: Buffer[] } {
  const batches: LineBatch[] = [];
  const bodies: Buffer[] = [];
  const framer = new LineFramer({
    stream: 'stdout',
    maxLineBytes: 16 * 1024,
    emit: (batch) => {
      batches.push(batch);
      if (readBody) bodies.push(batch.body!);
    },
  });
  const chunks: Buffer[] = [];
  const read = Buffer.alloc(64 * 1024);
  for (let c = 0; c < 8; c++) {
    const text = Array.from({ length: 655 }, (_, i) => `chunk ${c} line ${i}`.padEnd(99, '.') + '\n').join('');
    const chunk = read.subarray(0, read.write(text));
    chunks.push(Buffer.from(chunk));
    framer.push(chunk, 0);
    read.fill(0x21); // the read buffer is reused for the next read
  }
  return { batches, bodies, chunks };
}

test('a consumer that reads a batch body during delivery keeps it: the framer never reuses it', () => {
  const { bodies, chunks } = frame(true);
  assert.equal(bodies.length, 8);
  bodies.forEach((body, i) => assert.ok(body.equals(chunks[i]!), `body ${i} is still its chunk's lines`));
});

test('a body read after delivery, when nobody held it, throws rather than show recycled bytes', () => {
  const { batches } = frame(false);
  // the last batch's block went back too, but nothing took it since
  assert.throws(() => batches[0]!.body, /read after its memory was recycled/);
  assert.throws(() => batches[0]!.lines, /read after its memory was recycled/);
  assert.throws(() => batches[0]!.leasedBody(), /read after its memory was recycled/);
});
