// fluentd writes msgpack itself (ADR 0011): what it writes must decode, with a stock decoder, to
// exactly the records it means, whatever the lines (empty, long, non-ASCII across the sizes where
// a str header grows, lone surrogates) and the fields (strings, integers large and negative, floats).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, decodeMulti, ExtensionCodec } from '@msgpack/msgpack';
import { encodeEntry, encodeLineEntries, packedForwardFrame } from '../../plugins/fluentd/entries.js';

const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: 0,
  encode: () => null,
  decode: (data: Uint8Array) => {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return { seconds: view.getUint32(0), nanoseconds: view.getUint32(4) };
  },
});

test('line entries decode to [EventTime, {message, ...fields}] for every kind of line', () => {
  const lines = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'é'.repeat(15), 'é'.repeat(16), 'é'.repeat(127), 'é'.repeat(128), '€'.repeat(85), '€'.repeat(86), 'x'.repeat(65535), 'x'.repeat(65536), '日本語 ✓', 'lone \ud800 surrogate'];
  const fields = { program: 'web', group: 'g'.repeat(40), stream: 'stdout', pid: 4_000_000_000, host: 'höst' };
  const body = encodeLineEntries(1_700_000_000_123, 'message', lines, fields);
  const entries = [...decodeMulti(body, { extensionCodec })] as [{ seconds: number; nanoseconds: number }, Record<string, unknown>][];
  assert.equal(entries.length, lines.length);
  entries.forEach(([time, record], i) => {
    assert.deepEqual(time, { seconds: 1_700_000_000, nanoseconds: 123_000_000 });
    assert.deepEqual(record, { message: lines[i]!.replace('\ud800', '\ufffd'), ...fields });
    assert.deepEqual(Object.keys(record), ['message', 'program', 'group', 'stream', 'pid', 'host']);
  });
  assert.equal(encodeLineEntries(0, 'message', [], fields).length, 0);
});

test('a state entry and the PackedForward frame around a body decode as the forward protocol says', () => {
  const record = { state: 'RUNNING', from_state: 'STARTING', program: 'web', group: 'web', pid: 0, host: 'h', negative: -5, big_negative: -70_000, ratio: 0.25 };
  const [time, decoded] = decode(encodeEntry(1_000, record), { extensionCodec }) as [unknown, unknown];
  assert.deepEqual(time, { seconds: 1, nanoseconds: 0 });
  assert.deepEqual(decoded, record);

  const body = encodeLineEntries(5_500, 'message', ['one', 'two'], { program: 'p' });
  for (const chunk of ['Y2h1bmsgaWQ=', null]) {
    const { head, option } = packedForwardFrame('supervisor.p.stdout', body.length, 2, chunk);
    const message = decode(Buffer.concat([head, body, option]), { extensionCodec }) as [string, Uint8Array, Record<string, unknown>];
    assert.equal(message[0], 'supervisor.p.stdout');
    assert.deepEqual(Buffer.from(message[1]), body);
    assert.deepEqual(message[2], chunk === null ? { size: 2 } : { size: 2, chunk });
  }
});
