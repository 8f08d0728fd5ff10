// A program gets only fds 0, 1 and 2, whatever supervisord itself inherited: started as
// `bash -c 'exec 200>leak.txt; exec 20</dev/null; exec supervisord ...'`, 4.2.5's children see no
// 20 or 200 (its child closes 3..minfds before exec). Side by side with the real 4.2.5, on both of
// our start paths (posix_spawn, and child_process.spawn for a name that resolves without a slash)
// and for an event listener, which is started the same way.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, REFERENCE_DAEMON, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// the shell lists its own descriptors from a forked ls, so ls's directory fd is not among them
const LIST_FDS = 'ls -1 /proc/$$/fd';
const LEAKY_LAUNCHER = ['bash', '-c', 'exec 200>leak.txt; exec 20</dev/null; exec "$0" "$@"'];
const LOGS = ['direct', 'named', 'listener'];

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** What each of the three children listed as its descriptors, under one supervisord started leaky. */
async function listedFds(prefix: string, daemon?: string[]): Promise<Record<string, string>> {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  // a name found through a relative PATH entry stays without a slash: child_process.spawn's path
  fs.symlinkSync('/bin/sh', path.join(dir, 'mysh'));
  const common = 'startsecs=0\nautorestart=false\n';
  const conf = writeConfig(
    dir,
    `[program:direct]\ncommand=sh -c '${LIST_FDS}; exec sleep 100'\nstdout_logfile=%(here)s/direct.log\n${common}\n` +
      `[program:named]\ncommand=mysh -c '${LIST_FDS}; exec sleep 100'\nenvironment=PATH=".:/usr/bin:/bin"\nstdout_logfile=%(here)s/named.log\n${common}\n` +
      // stdout is the protocol: the list goes to stderr, then READY, then it never asks for more;
      // redirected in a subshell, since dash keeps a copy of fd 1 (as fd 10) while `cmd >&2` runs
      `[eventlistener:listener]\ncommand=sh -c '(${LIST_FDS} >&2); echo READY; exec sleep 100'\nevents=PROCESS_STATE\nstderr_logfile=%(here)s/listener.log\n${common}\n`,
  );
  const running = startDaemon(dir, ['-n', '-c', conf], { launcher: LEAKY_LAUNCHER, ...(daemon ? { daemon } : {}) });
  const file = (name: string): string => path.join(dir, `${name}.log`);
  try {
    await waitFor(() => LOGS.every((name) => readOr(file(name)).endsWith('\n')), 20_000, `${prefix}: every child's list\n${running.mainLog()}\n${running.output()}`);
  } finally {
    await running.stop();
  }
  return Object.fromEntries(LOGS.map((name) => [name, readOr(file(name))]));
}

test('programs (both start paths) and event listeners get only fds 0, 1 and 2, as under 4.2.5', async () => {
  const [ours, reference] = await Promise.all([listedFds('fds-ours-'), listedFds('fds-ref-', REFERENCE_DAEMON)]);
  const only012 = Object.fromEntries(LOGS.map((name) => [name, '0\n1\n2\n']));
  assert.deepEqual(reference, only012);
  assert.deepEqual(ours, only012);
});
