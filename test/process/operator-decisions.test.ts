// The statefile's codec and writer: what counts as damaged (and is said), one write per change,
// nothing half written, and a file that cannot be written said once with its recovery.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { renderDump } from '../../src/config/dump.js';
import { loadConfig, loadConfigResult } from '../../src/config/loader.js';
import { OperatorDecisions, parseStatefile, renderStatefile } from '../../src/process/operator-decisions.js';
import { makeTempDir } from '../helpers/daemon.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = makeTempDir('decisions-');
  dirs.push(dir);
  return dir;
}

test('damaged statefiles: each says what is wrong', () => {
  assert.throws(() => parseStatefile('{"version": 1,'), /^Error: not JSON: /);
  assert.throws(() => parseStatefile('[]'), /not a JSON object/);
  assert.throws(() => parseStatefile('{"version": 2, "processes": {}}'), /"version" is 2, not 1/);
  assert.throws(() => parseStatefile('{"version": 1}'), /"processes" is not an object/);
  assert.throws(() => parseStatefile('{"version": 1, "processes": {"web:web": "paused"}}'), /"web:web" is "paused", not "started" or "stopped"/);
  const decisions = new Map([['web:web', 'stopped' as const], ['batch:batch', 'started' as const]]);
  assert.deepEqual(parseStatefile(renderStatefile(decisions)), decisions);
});

test('open: a missing file holds nothing and says nothing; a damaged one is said with its name', () => {
  const dir = tempDir();
  const said: string[] = [];
  const report = (level: string, message: string): number => said.push(`${level} ${message}`);
  const missing = OperatorDecisions.open(path.join(dir, 'none.json'), report);
  assert.equal(missing.get({ group: 'web', name: 'web' }), undefined);
  assert.deepEqual(said, []);
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"version": 1, "processes": {"web:web": 3}}');
  OperatorDecisions.open(path.join(dir, 'bad.json'), report);
  assert.deepEqual(said, [`warn the statefile ${dir}/bad.json is damaged ("web:web" is 3, not "started" or "stopped"): it is ignored (every process follows its autostart) and replaced at the next start or stop`]);
});

test('record writes only on change, atomically; forgetUnless drops keys; a failing write is said once, then its recovery', () => {
  const dir = tempDir();
  const file = path.join(dir, 'state.json');
  const said: string[] = [];
  const decisions = OperatorDecisions.open(file, (level, message) => said.push(`${level} ${message}`));
  decisions.record([{ group: 'web', name: 'web' }, { group: 'g', name: 'a' }], 'stopped');
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { version: 1, processes: { 'g:a': 'stopped', 'web:web': 'stopped' } });
  const inode = fs.statSync(file).ino;
  decisions.record([{ group: 'web', name: 'web' }], 'stopped');
  assert.equal(fs.statSync(file).ino, inode, 'no change, no write');
  decisions.forgetUnless((key) => key !== 'g:a');
  assert.notEqual(fs.statSync(file).ino, inode, 'replaced by rename');
  assert.deepEqual(fs.readdirSync(dir), ['state.json'], 'no temporary file left');

  // a directory where the file should be: every write fails until it is removed
  fs.rmSync(file);
  fs.mkdirSync(file);
  decisions.record([{ group: 'web', name: 'web' }], 'started');
  decisions.record([{ group: 'web', name: 'web' }], 'stopped');
  assert.equal(decisions.get({ group: 'web', name: 'web' }), 'stopped', 'held in memory');
  fs.rmdirSync(file);
  decisions.record([{ group: 'web', name: 'web' }], 'started');
  assert.equal(said.length, 2);
  assert.match(said[0]!, new RegExp(`^error cannot write the statefile ${file}: .*; start/stop decisions are kept in memory only until it works again$`));
  assert.equal(said[1], `info writing the statefile ${file} again`);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { version: 1, processes: { 'web:web': 'started' } });
});

test('the key is read from [supervisord], relative to the working directory as pidfile is; unset is off', () => {
  const dir = tempDir();
  const conf = (extra: string): string => {
    const file = path.join(dir, 'sd.conf');
    fs.writeFileSync(file, `[supervisord]\nlogfile=${dir}/sd.log\npidfile=${dir}/sd.pid\nchildlogdir=${dir}\n${extra}\n[program:x]\ncommand=/bin/true\n`);
    return file;
  };
  assert.equal(loadConfig(conf(''), { cwd: dir }).statefile, null);
  assert.equal(loadConfig(conf('statefile=run/state.json'), { cwd: dir }).statefile, `${dir}/run/state.json`);
  assert.equal(loadConfig(conf('statefile=%(here)s/s.json'), { cwd: '/' }).statefile, `${dir}/s.json`);
  // 4.2.5 ignores the key: its dump is the same with and without it, and ours is 4.2.5's
  const dump = (file: string): string => execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, '-C', dir, file], { encoding: 'utf8' });
  const without = dump(conf(''));
  const withKey = conf('statefile=%(here)s/s.json');
  assert.equal(dump(withKey), without);
  assert.equal(renderDump(loadConfigResult(withKey, { cwd: dir })), without);
});
