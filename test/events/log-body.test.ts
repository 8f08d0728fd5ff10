// A PROCESS_LOG payload built from the lines' bytes (ADR 0021) is byte for byte the one rendered
// from their text: lines framed across chunks, many per chunk, multibyte characters; bytes that
// are not UTF-8 take the text path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer, type OutputLine } from '../../src/output/line-framer.js';
import { logBodyOf, utf8CodePoints } from '../../src/events/log-body.js';
import { toWireEvent } from '../../src/listeners/wire-event.js';
import { attachLogBody } from '../../src/events/log-body.js';
import type { ProcessLogEvent } from '../../src/events/types.js';

function frame(chunks: Buffer[]): OutputLine[][] {
  const batches: OutputLine[][] = [];
  const framer = new LineFramer({ stream: 'stdout', maxLineBytes: 1 << 20, emit: (batch) => batches.push(batch.lines) });
  for (const chunk of chunks) framer.push(Buffer.from(chunk), 0);
  return batches;
}

test('the body of each batch is its lines, each with its newline, whichever way the chunks cut them', () => {
  const text = Array.from({ length: 500 }, (_, i) => `line ${i} é☃😀 ${'x'.repeat(i % 37)}`).join('\n') + '\n';
  const all = Buffer.from(text);
  // cut at every size from 1 byte (inside characters too) to larger than the whole
  for (const size of [1, 2, 3, 7, 64, 100, 4096, all.length + 1]) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < all.length; at += size) chunks.push(all.subarray(at, at + size));
    let joined = '';
    for (const lines of frame(chunks)) {
      const body = logBodyOf(lines.map((l) => l.bytes));
      assert.ok(body, `size ${size}: valid UTF-8`);
      const expected = lines.map((l) => l.text).join('\n') + '\n';
      assert.equal(body.toString('utf8'), expected, `size ${size}`);
      assert.equal(utf8CodePoints(body), [...expected].length);
      joined += body.toString('utf8');
    }
    assert.equal(joined, text, `size ${size}: every line once, in order`);
  }
});

test('bytes that are not UTF-8 have no body (their text holds U+FFFD, which the payload must carry)', () => {
  const [lines] = frame([Buffer.from([0x61, 0xff, 0x62, 0x0a, 0x63, 0x0a])]);
  assert.equal(logBodyOf(lines!.map((l) => l.bytes)), null);
});

test('an event with a body gets the payload and len: its text would give, without its lines being decoded', () => {
  const [lines] = frame([Buffer.from('a é\nb 😀\n\nlast\n')]);
  let decoded = 0;
  const event = { type: 'PROCESS_LOG_STDOUT', time: 0, processname: 'wé', groupname: 'g', pid: 7, channel: 'stdout' } as ProcessLogEvent;
  Object.defineProperty(event, 'lines', { enumerable: true, get: () => (decoded++, lines!.map((l) => l.text)) });
  attachLogBody(event, logBodyOf(lines!.map((l) => l.bytes))!, lines!.length);
  const fromBytes = toWireEvent({ event, serial: 1, poolserial: 1 });
  assert.equal(decoded, 0, 'the lines were not decoded');
  const plain = { ...event, lines: ['a é', 'b 😀', '', 'last'] } as ProcessLogEvent;
  const fromText = toWireEvent({ event: plain, serial: 1, poolserial: 1 });
  assert.equal(Buffer.concat(fromBytes.payload).toString(), Buffer.concat(fromText.payload).toString());
  assert.equal(fromBytes.payloadBytes, Buffer.concat(fromText.payload).length);
  assert.deepEqual([fromBytes.payloadChars, fromBytes.lineCount], [fromText.payloadChars, 4]);
});
