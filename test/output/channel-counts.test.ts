// A channel counts the bytes and newlines a child wrote on every path: the plain file path
// searches the chunk; where the line framer frames the chunk itself it counts the newlines as it
// goes (one search, not two); strip_ansi and capture mode change what is framed, so there the
// chunk as read is searched. The same stream, cut at many sizes, gives the same totals each way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '../../src/logging/logger.js';
import { OutputChannel, type OutputChannelOptions } from '../../src/output/channel.js';
import type { LineBatch } from '../../src/output/line-framer.js';

function stream(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    if (i % 500 === 7) lines.push('long '.repeat(5000)); // 25 KB: cut by the 16 KiB cap
    else if (i % 3 === 0) lines.push(`\x1b[31mred ${i}\x1b[0m`);
    else lines.push(`line ${i} é😀`);
  }
  return Buffer.from(lines.join('\n') + '\npartial');
}

function channel(overrides: Partial<OutputChannelOptions>, framed: LineBatch[]): OutputChannel {
  return new OutputChannel({
    stream: 'stdout',
    processName: 'p',
    counts: { bytes: 0, lines: 0 },
    file: null,
    logger: new Logger(),
    timestamps: null,
    captureMaxBytes: 0,
    stripAnsi: false,
    syslog: null,
    lineMaxBytes: 16 * 1024,
    wantsLines: () => true,
    onLines: (batch) => framed.push(batch),
    onCommunication: () => {},
    ...overrides,
  });
}

const CASES: { name: string; options: Partial<OutputChannelOptions> }[] = [
  { name: 'plain (no line consumer)', options: { wantsLines: () => false } },
  { name: 'framed', options: {} },
  { name: 'framed after strip_ansi', options: { stripAnsi: true } },
  { name: 'capture mode', options: { captureMaxBytes: 1024 } },
];

for (const { name, options } of CASES) {
  test(`${name}: every byte and every newline counted once, at every chunk size`, () => {
    const data = stream();
    const newlines = data.filter((b) => b === 10).length;
    for (const size of [1, 7, 100, 4096, 65536, data.length]) {
      const counts = { bytes: 0, lines: 0 };
      const framed: LineBatch[] = [];
      const out = channel({ ...options, counts }, framed);
      const read = Buffer.alloc(size);
      for (let at = 0; at < data.length; at += size) {
        const chunk = read.subarray(0, data.copy(read, 0, at, Math.min(at + size, data.length)));
        out.write(chunk);
        read.fill(0x0a); // the read buffer is reused: a count taken late would see these
      }
      out.end();
      assert.deepEqual(counts, { bytes: data.length, lines: newlines }, `${name}, chunks of ${size}`);
      if (options.wantsLines === undefined && !options.captureMaxBytes) assert.ok(framed.length > 0, 'the lines were framed');
    }
  });
}
