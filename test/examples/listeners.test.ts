// The example listeners (Node SDK, Python childutils, bash) as real [eventlistener:x] pools under
// our supervisord: each records the same events in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples', 'listeners');

test('the Node, Python and bash example listeners all receive the same events', async (t) => {
  const dir = makeTempDir('sv-examples-');
  const pool = (name: string, command: string, file: string) =>
    `[eventlistener:${name}]\ncommand=${command}\nevents=PROCESS_STATE,PROCESS_GROUP\nenvironment=RECORD_FILE="${path.join(dir, file)}"\n`;
  const conf = writeConfig(
    dir,
    pool('node', `${process.execPath} ${path.join(EXAMPLES, 'record-events.mjs')}`, 'node.jsonl') +
      pool('python', `/usr/bin/python3 ${path.join(EXAMPLES, 'record-events.py')}`, 'python.jsonl') +
      pool('bash', path.join(EXAMPLES, 'record-events.sh'), 'bash.txt') +
      `[program:short]\ncommand=/bin/sh -c "sleep 1.2"\nautorestart=false\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const jsonNames = (file: string) =>
    fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l).headers.eventname as string) : [];
  const bashNames = (file: string) =>
    fs.existsSync(file) ? [...fs.readFileSync(file, 'utf8').matchAll(/eventname:(\S+)/g)].map((m) => m[1]!) : [];
  const files = { node: path.join(dir, 'node.jsonl'), python: path.join(dir, 'python.jsonl'), bash: path.join(dir, 'bash.txt') };
  const done = (names: string[]) => names.includes('PROCESS_STATE_EXITED');
  await waitFor(() => done(jsonNames(files.node)) && done(jsonNames(files.python)) && done(bashNames(files.bash)), 15_000, 'EXITED at every listener');
  const states = (names: string[]) => names.slice(0, names.indexOf('PROCESS_STATE_EXITED') + 1).filter((n) => n.startsWith('PROCESS_STATE'));
  const node = states(jsonNames(files.node));
  assert.equal(node.length, 9, 'STARTING and RUNNING of 4 processes, then EXITED');
  assert.deepEqual(states(jsonNames(files.python)), node);
  assert.deepEqual(states(bashNames(files.bash)), node);
  // pools are created in name order (bash, node, python, then short): each sees its own group and later ones (4.2.5 too)
  const added = (names: string[]) => names.filter((n) => n === 'PROCESS_GROUP_ADDED').length;
  assert.deepEqual([added(bashNames(files.bash)), added(jsonNames(files.node)), added(jsonNames(files.python))], [4, 3, 2]);
});
