// The output keys beyond 4.2.5: the real 4.2.5 ignores them (same dump with and without), our
// loader accepts them with the same dump, and a bad value is a config error naming key and section.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { renderDump } from '../../src/config/dump.js';
import { loadConfig, loadConfigResult } from '../../src/config/loader.js';
import { readOutputSettings } from '../../src/output/output-settings.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'output-keys-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const PATH = process.env.PATH ?? '/usr/bin:/bin';

const BASE = `[supervisord]\nlogfile=${root}/supervisord.log\npidfile=${root}/supervisord.pid\nchildlogdir=${root}\n\n[program:app]\ncommand=/bin/cat\nstdout_logfile=${root}/app.log\n`;
const NEW_KEYS =
  'stdout_logfile_timestamps=true\nstderr_logfile_timestamps=yes\nlogfile_timestamp_format=[app] YYYY-MM-DD HH:mm:ss\n' +
  'stdout_logfile_compress=true\nstderr_logfile_compress=false\nlog_line_maxbytes=4KB\n' +
  'stdout_logfile_rotate=daily\nstderr_logfile_rotate=Hourly\n';

function write(name: string, text: string): string {
  const file = path.join(root, name);
  fs.writeFileSync(file, text);
  return file;
}

function oracle(file: string): string {
  return execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, '-C', root, file], { env: { PATH }, encoding: 'utf8' });
}

function ours(file: string): string {
  return renderDump(loadConfigResult(file, { env: { PATH }, cwd: root }));
}

test('4.2.5 ignores the new keys, and our dump is 4.2.5\'s with them too', () => {
  const without = write('without.conf', BASE);
  const withKeys = write('with.conf', BASE + NEW_KEYS);
  const real = oracle(withKeys);
  assert.equal(real.replaceAll('with.conf', 'X'), oracle(without).replaceAll('without.conf', 'X'), '4.2.5 ignores them');
  assert.equal(ours(withKeys), real);
  for (const key of ['timestamps', 'compress', 'log_line_maxbytes', 'timestamp_format', '_rotate']) assert.ok(!real.includes(key), key);
});

test('the new keys are read from the program section', () => {
  const config = loadConfig(write('read.conf', BASE + NEW_KEYS), { env: { PATH }, cwd: root });
  const settings = readOutputSettings(config.groups[0]!.processes[0]!);
  assert.deepEqual(settings, {
    stdout: { timestamps: true, compress: true, rotateEvery: 'daily' },
    stderr: { timestamps: true, compress: false, rotateEvery: 'hourly' },
    timestampFormat: '[app] YYYY-MM-DD HH:mm:ss',
    lineMaxBytes: 4096,
  });
});

test('a bad value is a config error naming the key and the section', () => {
  const bad = write('bad.conf', `${BASE}stdout_logfile_timestamps=maybe\n`);
  assert.throws(() => loadConfig(bad, { env: { PATH }, cwd: root }), /invalid value for stdout_logfile_timestamps in section \[program:app\]: not a valid boolean value: 'maybe'/);
  const badRotate = write('bad-rotate.conf', `${BASE}stderr_logfile_rotate=weekly\n`);
  assert.throws(() => loadConfig(badRotate, { env: { PATH }, cwd: root }), /invalid value for stderr_logfile_rotate in section \[program:app\]: 'weekly' is not one of daily, hourly/);
  const badFormat = write('bad-format.conf', `${BASE}logfile_timestamp_format=[only text]\n`);
  assert.throws(() => loadConfig(badFormat, { env: { PATH }, cwd: root }), /logfile_timestamp_format in section \[program:app\]: .*no date or time token/);
});
