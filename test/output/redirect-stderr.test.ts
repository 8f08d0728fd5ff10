// redirect_stderr=true is a real 2>&1, as 4.2.5 makes it: the child's fd 2 is its fd 1, one pipe, so
// the log holds the lines in the order the child wrote them, whatever the reads. Side by side with
// the real 4.2.5, on each way we start a program: posix_spawn, child_process.spawn (a command name
// that resolves without a slash), and a daemon without koffi (a shell makes fd 2 follow fd 1).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, REFERENCE_DAEMON, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { daemonWithoutKoffi } from '../helpers/without-koffi.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = 'for i in $(seq 1 300); do echo out $i; echo err $i >&2; done; exec sleep 100';
const EXPECTED = Array.from({ length: 300 }, (_, i) => `out ${i + 1}\nerr ${i + 1}\n`).join('');

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Runs `program` (a [program:mixed] body without its header) under a supervisord until its log
 * holds the last line; returns the log. `daemon`: 4.2.5 or a copy of ours, else ours.
 */
async function mixedLog(prefix: string, program: string, daemon?: (dir: string) => string[]): Promise<string> {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  // a name found through a relative PATH entry stays without a slash: child_process.spawn's path
  fs.symlinkSync('/bin/sh', path.join(dir, 'mysh'));
  const log = path.join(dir, 'mixed.log');
  const conf = writeConfig(dir, `[program:mixed]\n${program}\nredirect_stderr=true\nstdout_logfile=${log}\nstartsecs=0\nautorestart=false\n`);
  const running = startDaemon(dir, ['-n', '-c', conf], daemon ? { daemon: daemon(dir) } : {});
  try {
    await waitFor(() => readOr(log).endsWith('err 300\n'), 20_000, `${prefix}: the last line in the log\n${running.mainLog()}\n${running.output()}`);
  } finally {
    await running.stop();
  }
  return readOr(log);
}

test('redirect_stderr on the posix_spawn path: out and err alternate line by line, as under 4.2.5', async () => {
  const program = `command=sh -c "${SCRIPT}"`;
  const [ours, reference] = await Promise.all([mixedLog('redirect-ours-', program), mixedLog('redirect-ref-', program, () => REFERENCE_DAEMON)]);
  assert.equal(reference, EXPECTED);
  assert.equal(ours, EXPECTED);
});

test('redirect_stderr on the child_process.spawn path (a name without a slash): the same single stream', async () => {
  const program = `command=mysh -c "${SCRIPT}"\nenvironment=PATH=".:/usr/bin:/bin"`;
  const [ours, reference] = await Promise.all([mixedLog('redirect-node-ours-', program), mixedLog('redirect-node-ref-', program, () => REFERENCE_DAEMON)]);
  assert.equal(reference, EXPECTED);
  assert.equal(ours, EXPECTED);
});

test('redirect_stderr without koffi (no pipe2): fd 2 still follows fd 1', async () => {
  const program = `command=sh -c "${SCRIPT}"`;
  const [ours, reference] = await Promise.all([
    mixedLog('redirect-nokoffi-ours-', program, daemonWithoutKoffi),
    mixedLog('redirect-nokoffi-ref-', program, () => REFERENCE_DAEMON),
  ]);
  assert.equal(reference, EXPECTED);
  assert.equal(ours, EXPECTED);
});
