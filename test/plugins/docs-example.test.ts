// docs/plugins.md's complete example is the code users copy: this test takes the block from the
// page as it is, installs it beside a node_modules that holds supervisor-ts, and runs it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, makeTempDir, REPO_ROOT, waitFor, writeConfig } from '../helpers/daemon.js';
import { startWithStdout } from './helpers.js';

function exampleFromDocs(): string {
  const page = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'plugins.md'), 'utf8');
  const block = /```js\n(\/\/ restart-on-match\.mjs\n[\s\S]*?)```/.exec(page);
  assert.ok(block, 'docs/plugins.md has the restart-on-match example');
  return block[1]!;
}

test('the example of docs/plugins.md restarts a program that prints the pattern, once per cooldown', async () => {
  const dir = makeTempDir('sv-plugin-docs-');
  fs.writeFileSync(path.join(dir, 'restart-on-match.mjs'), exampleFromDocs());
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(REPO_ROOT, path.join(dir, 'node_modules', 'supervisor-ts'));
  const conf = writeConfig(
    dir,
    `[program:keepalive]\ncommand=${path.join(FIXTURES, 'forever.sh')}\n\n` +
      `[program:worker]\ncommand=/bin/sh -c "echo working; sleep 0.3; echo 'panic: lock order'; exec sleep 1000"\nstdout_logfile=${dir}/worker.log\n\n` +
      `[plugin:watchdog]\nmodule=./restart-on-match.mjs\nprograms=worker\npattern=^panic:\ncooldown=300\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await daemon.waitForLog(/WARN plugin watchdog: worker:worker printed "panic: lock order": restarting it/, 15_000);
    // restarted once; its second panic falls within the cooldown
    const workerLog = (): string => (fs.existsSync(path.join(dir, 'worker.log')) ? fs.readFileSync(path.join(dir, 'worker.log'), 'utf8') : '');
    await waitFor(() => (daemon.mainLog().match(/spawned: 'worker'/g) ?? []).length === 2 && /panic: lock order[\s\S]*panic: lock order/.test(workerLog()), 15_000, 'the second run to panic too');
  } finally {
    await daemon.stop();
  }
  assert.equal((daemon.mainLog().match(/restarting it/g) ?? []).length, 1);
});
