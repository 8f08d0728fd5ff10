// The framer's batches (ADR 0021): where every line is whole, one body of the bytes as written,
// newlines included, and the line objects cut from it only when asked; long lines and partial
// lines still come as cut line objects. Whatever the chunking, every byte comes out once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer, type LineBatch } from '../../src/output/line-framer.js';

function frame(chunks: Buffer[], maxLineBytes: number, flushAfter = false): LineBatch[] {
  const batches: LineBatch[] = [];
  const framer = new LineFramer({ stream: 'stdout', maxLineBytes, emit: (batch) => batches.push(batch) });
  // the chunk is the caller's to reuse: scribble over it after each push
  chunks.forEach((chunk, i) => {
    const reused = Buffer.from(chunk);
    framer.push(reused, i);
    reused.fill(0x58);
  });
  if (flushAfter) framer.end();
  return batches;
}

const text =
  Array.from({ length: 400 }, (_, i) => (i % 97 === 5 ? 'L'.repeat(300) + 'é' : `line ${i} é☃😀 ${'x'.repeat(i % 37)}`)).join('\n') + '\ntail';
const all = Buffer.from(text);

test('every byte once and in order, at every chunk size, with lines longer than the cap cut', () => {
  for (const size of [1, 3, 7, 64, 100, 999, 4096, all.length + 1]) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < all.length; at += size) chunks.push(all.subarray(at, at + size));
    const batches = frame(chunks, 128, true);
    let rebuilt = '';
    for (const batch of batches) {
      const lines = batch.lines;
      assert.equal(batch.count, lines.length, `size ${size}: count`);
      assert.equal(batch.time, lines[0]!.time, `size ${size}: the batch's time is its first line's`);
      for (const line of lines) rebuilt += line.text + (line.cut ? '' : '\n');
      if (batch.body) {
        assert.equal(batch.cuts, null);
        assert.equal(batch.body.toString(), lines.map((l) => l.text + '\n').join(''), `size ${size}: body`);
      } else {
        assert.ok(batch.cuts!.some((c) => c !== null), `size ${size}: no body only where a line is cut`);
      }
    }
    assert.equal(rebuilt, text, `size ${size}`);
  }
});

test('short lines come as bodies, with no line object until asked; the held part keeps its time', () => {
  const batches = frame([Buffer.from('ab'), Buffer.from('c\nd\ne'), Buffer.from('f\n')], 1000);
  assert.equal(batches.length, 2);
  const [first, second] = batches as [LineBatch, LineBatch];
  assert.equal(first.body!.toString(), 'abc\nd\n');
  assert.deepEqual([first.count, first.time], [2, 0]);
  assert.deepEqual(first.lines.map((l) => [l.text, l.time]), [['abc', 0], ['d', 1]]);
  assert.equal(second.body!.toString(), 'ef\n');
  assert.deepEqual(second.lines.map((l) => [l.text, l.time]), [['ef', 1]]);
});
