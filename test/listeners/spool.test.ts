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
import { DEFAULT_SPOOL_MAX_BYTES, EventSpool, removeStaleSpools, spoolPath } from '../../src/listeners/spool.js';
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
  assert.deepEqual(poolSettings(''), { overflow: 'spool', spoolMaxBytes: 256 * 1024 * 1024, busyTimeout: 0 });
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
