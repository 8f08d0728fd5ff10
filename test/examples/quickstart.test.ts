// The README's first experience: the quickstart config in a real terminal, then Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, childPids, freePort, httpGet, isAlive, waitFor } from '../helpers/daemon.js';



test('quickstart: programs run and log to the terminal; Ctrl-C stops them all and supervisord exits 0', async (t) => {
  const port = await freePort();
  const conf = path.join(REPO_ROOT, 'examples', 'quickstart', 'supervisord.conf');
  // `script` gives supervisord a real terminal; writing ^C to it is what pressing Ctrl-C does.
  // `exec` so that no shell sits between: dash (CI's /bin/sh) would itself die of the SIGINT.
  const term = spawn('script', ['-qfec', `exec ${process.execPath} bin/supervisord.js -n -c ${conf}`, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { ...process.env, QUICKSTART_PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  term.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  const exited = new Promise<number | null>((resolve) => term.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (term.exitCode === null) term.kill('SIGKILL');
  });

  await waitFor(() => /gave up: flaky entered FATAL state/.test(screen), 15_000, `flaky FATAL in:\n${screen}`);
  await waitFor(() => /ticker: tick 2/.test(screen), 5000, 'ticker output');
  assert.match(await httpGet(port), /^hello from web \(pid \d+\)/);
  assert.match(screen, /success: web entered RUNNING state/);
  assert.match(screen, /flaky: cannot reach the database/);

  const daemonPid = Number(/supervisord started with pid (\d+)/.exec(screen)![1]);
  const programs = childPids(daemonPid);
  assert.equal(programs.length, 2, 'web and ticker running');

  term.stdin.write('\x03');
  assert.equal(await exited, 0, screen);
  assert.match(screen, /received SIGINT indicating exit request/);
  for (const pid of [daemonPid, ...programs]) assert.equal(isAlive(pid), false, `pid ${pid} left running`);
});
