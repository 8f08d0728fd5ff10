// A channel whose only line consumer is a listener pool takes the body path (ADR 0021): whole
// lines of a read as one body, no object per line. A 100k-line firehose of UTF-8 with characters
// of every length and lines of up to 12 KiB, written in writes that cut lines and characters
// anywhere, reaches the listener byte for byte as the child wrote it, every event's lines ending
// at a newline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const LISTENER = path.join(FIXTURES, 'listeners', 'record-raw.py');
const WRITER = path.join(FIXTURES, 'write-text-chunks.py');

function sourceText(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    if (i % 10_000 === 3) lines.push(`long ${i} ` + 'é😀x'.repeat(1700)); // about 12 KiB, under the 16 KiB cap
    else lines.push(`line ${i} ${i % 3 === 0 ? 'ascii only' : 'aé☃😀'.repeat(1 + (i % 5))}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** The bodies (the lines after each payload's token line) of the envelopes record-raw.py wrote. */
function bodies(recorded: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < recorded.length) {
    const headerEnd = recorded.indexOf(10, at);
    if (headerEnd === -1) break;
    const chars = Number(/len:(\d+)/.exec(recorded.toString('utf8', at, headerEnd))![1]);
    // len: counts code points: step over that many characters (continuation bytes are not counted)
    let end = headerEnd + 1;
    for (let seen = 0; seen < chars || (end < recorded.length && (recorded[end]! & 0xc0) === 0x80); end++) {
      if ((recorded[end]! & 0xc0) !== 0x80) seen++;
    }
    if (end > recorded.length) break;
    const payload = recorded.subarray(headerEnd + 1, end);
    out.push(payload.subarray(payload.indexOf(10) + 1));
    at = end;
  }
  return out;
}

test('a pool-only channel: 100k UTF-8 lines reach the listener byte-identical, split only at newlines', { timeout: 120_000 }, async () => {
  const dir = makeTempDir();
  const source = sourceText();
  fs.writeFileSync(path.join(dir, 'source.txt'), source);
  const record = path.join(dir, 'rec.raw');
  const conf = writeConfig(
    dir,
    `[program:fire]\ncommand=${WRITER} ${dir}/source.txt\nautorestart=false\nstartsecs=0\nstdout_events_enabled=true\n\n` +
      `[eventlistener:rec]\ncommand=${LISTENER}\nevents=PROCESS_LOG_STDOUT\nenvironment=RECORD_FILE="${record}"\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    const got = await waitFor(
      () => {
        if (!fs.existsSync(record)) return false;
        const parts = bodies(fs.readFileSync(record));
        const total = parts.reduce((n, b) => n + b.length, 0);
        return total >= source.length && parts;
      },
      90_000,
      'every byte at the listener',
    );
    for (const [i, body] of got.entries()) assert.equal(body.at(-1), 10, `event ${i} ends at a newline`);
    const joined = Buffer.concat(got);
    assert.equal(joined.length, source.length);
    assert.ok(joined.equals(source), 'byte for byte what the child wrote');
    assert.ok(got.length > 1 && got.length < 100_000, `many lines per event (${got.length} events)`);
  } finally {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
