// A channel whose only line consumer is a listener pool takes the body path (ADR 0021): whole
// lines of a read as one body, no object per line. A 100k-line firehose of UTF-8 with characters
// of every length and lines of up to 12 KiB, written in writes that cut lines and characters
// anywhere, reaches the listener byte for byte as the child wrote it, every event's lines ending
// at a newline. Bodies live in recycled memory while pools hold them (body-blocks.ts): the same
// stream goes through the memory tier, through the spool file, to two pools sharing each body, and
// to a pool beside a plugin that keeps every event (so nothing may be reused under it).
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

interface Variant {
  name: string;
  /** keys for every [eventlistener:x] */
  poolKeys: string;
  pools: number;
  plugin: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'a pool-only channel (buffer, then the memory tier)', poolKeys: '', pools: 1, plugin: false },
  { name: 'through the spool file (no memory tier, a buffer of 2)', poolKeys: 'buffer_size=2\nbuffer_memory_maxbytes=0\n', pools: 1, plugin: false },
  { name: 'two pools sharing each body', poolKeys: 'buffer_size=3\n', pools: 2, plugin: false },
  { name: 'a pool beside a plugin that keeps every event', poolKeys: '', pools: 1, plugin: true },
];

/** Every body of one pool's record file, checked whole and in order against what the child wrote. */
function assertDelivered(got: Buffer[], source: Buffer, who: string): void {
  for (const [i, body] of got.entries()) assert.equal(body.at(-1), 10, `${who}: event ${i} ends at a newline`);
  const joined = Buffer.concat(got);
  assert.equal(joined.length, source.length, who);
  assert.ok(joined.equals(source), `${who}: byte for byte what the child wrote`);
  assert.ok(got.length > 1 && got.length < 100_000, `${who}: many lines per event (${got.length} events)`);
}

for (const variant of VARIANTS) {
  test(`${variant.name}: 100k UTF-8 lines reach the listener byte-identical, split only at newlines`, { timeout: 120_000 }, async () => {
    const dir = makeTempDir();
    const source = sourceText();
    fs.writeFileSync(path.join(dir, 'source.txt'), source);
    const records = Array.from({ length: variant.pools }, (_, i) => path.join(dir, `rec${i}.raw`));
    const sections = [`[program:fire]\ncommand=${WRITER} ${dir}/source.txt\nautorestart=false\nstartsecs=0\nstdout_events_enabled=true\n`];
    records.forEach((record, i) =>
      sections.push(`[eventlistener:rec${i}]\ncommand=${LISTENER}\nevents=PROCESS_LOG_STDOUT\nenvironment=RECORD_FILE="${record}"\n${variant.poolKeys}`),
    );
    const pluginFile = path.join(dir, 'plugin.jsonl');
    if (variant.plugin) sections.push(`[plugin:keep]\nmodule=${FIXTURES}/record-events-json.mjs\nevents=PROCESS_LOG\nprograms=fire\nfile=${pluginFile}\n`);
    const conf = writeConfig(dir, sections.join('\n'));
    const daemon = startDaemon(dir, ['-n', '-c', conf]);
    try {
      for (const [i, record] of records.entries()) {
        const got = await waitFor(
          () => {
            if (!fs.existsSync(record)) return false;
            const parts = bodies(fs.readFileSync(record));
            const total = parts.reduce((n, b) => n + b.length, 0);
            return total >= source.length && parts;
          },
          90_000,
          `every byte at the listener of pool rec${i}`,
        );
        assertDelivered(got, source, `pool rec${i}`);
      }
      if (variant.plugin) {
        const text = await waitFor(
          () => {
            if (!fs.existsSync(pluginFile)) return false;
            const lines = fs
              .readFileSync(pluginFile, 'utf8')
              .split('\n')
              .filter(Boolean)
              .flatMap((json) => (JSON.parse(json) as { lines: string[] }).lines);
            return lines.length >= 100_000 && lines.map((line) => line + '\n').join('');
          },
          90_000,
          'every line at the plugin',
        );
        assert.ok(Buffer.from(text).equals(source), 'the plugin got every line as the child wrote it');
      }
    } finally {
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
