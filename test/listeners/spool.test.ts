// The never-drop defaults of [eventlistener:x] as the loader reads them, and the spool file's
// name: unique per daemon, never written over, and cleared at startup when a crash left it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { byteSize } from '../../src/config/datatypes.js';
import { loadConfig } from '../../src/config/loader.js';
import { keySpec } from '../../src/config/schema.js';
import { readPoolSettings } from '../../src/listeners/pool-settings.js';
import { DEFAULT_SPOOL_MAX_BYTES, EventSpool, removeStaleSpools, spoolPath, SpoolCorruptError, type SpooledItem } from '../../src/listeners/spool.js';
import type { SupervisorEvent } from '../../src/events/types.js';
import { makeTempDir } from '../helpers/daemon.js';

function poolSettings(keys: string) {
  const dir = makeTempDir('sv-pool-settings-');
  const file = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(file, `[supervisord]\nchildlogdir=${dir}\n[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\n${keys}`);
  try {
    const config = loadConfig(file, { cwd: dir, env: {} });
    return readPoolSettings(config.groups.find((g) => g.name === 'l')!);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('by default a pool spools past buffer_size, up to 256 MiB; the schema (and echo_supervisord_conf) says the same', () => {
  assert.deepEqual(poolSettings(''), { overflow: 'spool', spoolMaxBytes: 256 * 1024 * 1024, memoryMaxBytes: 4 * 1024 * 1024, busyTimeout: 0 });
  assert.equal(DEFAULT_SPOOL_MAX_BYTES, byteSize(String(keySpec('eventlistener', 'buffer_spool_maxbytes').default)));
  assert.equal(keySpec('eventlistener', 'buffer_overflow').default, 'spool');
});

test('buffer_overflow=drop is 4.2.5; buffer_spool_maxbytes=0 is bounded only by the disk; a negative cap is a config error', () => {
  assert.equal(poolSettings('buffer_overflow=drop\n').overflow, 'drop');
  assert.equal(poolSettings('buffer_overflow=SPOOL\nbuffer_spool_maxbytes=0\n').spoolMaxBytes, 0);
  assert.equal(poolSettings('buffer_spool_maxbytes=1MB\n').spoolMaxBytes, 1024 * 1024);
  assert.throws(() => poolSettings('buffer_spool_maxbytes=-1\n'), /invalid value for buffer_spool_maxbytes in section \[eventlistener:l\]: must be 0/);
  assert.throws(() => poolSettings('buffer_overflow=block\n'), /expected drop or spool, got 'block'/);
});

test('two pools of the same name and identifier in one childlogdir get two spool files; a spool never writes into a file already there', (t) => {
  const dir = makeTempDir('sv-spool-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [a, b] = [spoolPath(dir, 'l', 'supervisor'), spoolPath(dir, 'l', 'supervisor')];
  assert.notEqual(a, b);
  assert.match(path.basename(a), /^l-events---supervisor-[0-9a-f]{12}\.spool$/);
  fs.writeFileSync(a, 'not ours');
  const spool = new EventSpool(a);
  assert.throws(() => spool.push({ event: { type: 'TICK_5', time: 0, when: 5 }, serial: 0, poolserial: 0 }), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(a, 'utf8'), 'not ours');
});

test('stale spools of this identifier are removed at startup; anything else in childlogdir is left alone', (t) => {
  const dir = makeTempDir('sv-spool-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const stale = spoolPath(dir, 'my-pool', 'supervisor');
  const keep = [
    spoolPath(dir, 'l', 'other'),
    path.join(dir, 'l-stdout---supervisor-abcdefgh.log'),
    path.join(dir, 'l-events---supervisor.spool'),
    path.join(dir, 'notes.spool'),
  ];
  for (const file of [stale, ...keep]) fs.writeFileSync(file, '');
  const warnings: string[] = [];
  removeStaleSpools(dir, 'supervisor', (m) => warnings.push(m));
  assert.equal(fs.existsSync(stale), false);
  for (const file of keep) assert.ok(fs.existsSync(file), file);
  assert.deepEqual(warnings, []);
});

test('a spool record that does not read back whole and intact is never taken for an event: the loss is reported with its count, and the spool works on', async (t) => {
  const dir = makeTempDir('sv-spool-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = (n: number): SupervisorEvent => ({ type: 'PROCESS_LOG_STDOUT', time: 0, processname: 'w', groupname: 'w', pid: 1, channel: 'stdout', lines: [String(n)] });
  const firstLine = (item: SpooledItem | undefined) => (item && 'lines' in item.event ? item.event.lines[0] : undefined);
  const fill = (spool: EventSpool) => {
    for (let n = 0; n < 3; n++) spool.push({ event: log(n), serial: n, poolserial: n });
  };

  // a length header damaged into 4 GiB: refused from what was written, nothing that large is allocated
  const torn = new EventSpool(path.join(dir, 'torn.spool'));
  t.after(() => torn.close());
  fill(torn);
  const fd = fs.openSync(torn.path, 'r+');
  fs.writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0xf0]), 0, 4, 0);
  fs.closeSync(fd);
  assert.throws(() => torn.shift(), (err: unknown) => {
    assert.ok(err instanceof SpoolCorruptError, String(err));
    assert.match(err.message, /torn\.spool cannot be read back at byte 0: its record claims 42949\d{5} bytes where \d+ were written/);
    assert.deepEqual([err.events, err.lines], [3, 3]);
    return true;
  });
  assert.deepEqual([torn.length, torn.bytes, torn.lines], [0, 0, 0], 'emptied: what it held is counted lost, not read');

  // one byte changed inside the second record's payload (its line): the first comes back, the checksum stops the rest
  const flipped = new EventSpool(path.join(dir, 'flipped.spool'));
  t.after(() => flipped.close());
  fill(flipped);
  const bytes = fs.readFileSync(flipped.path);
  const second = bytes.indexOf('channel:stdout\n1\n');
  assert.ok(second > 0);
  const out = fs.openSync(flipped.path, 'r+');
  fs.writeSync(out, Buffer.from('7'), 0, 1, second + 'channel:stdout\n'.length);
  fs.closeSync(out);
  assert.equal(firstLine(flipped.shift()), '0');
  assert.throws(() => flipped.shift(), (err: unknown) => err instanceof SpoolCorruptError && /fails its checksum/.test(err.message) && err.events === 2 && err.lines === 2);

  // and it spools again from an empty file
  flipped.push({ event: log(9), serial: 9, poolserial: 9 });
  assert.equal(firstLine(flipped.shift()), '9');
});
