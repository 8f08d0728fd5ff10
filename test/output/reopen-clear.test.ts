// SIGUSR2 reopens every log (after logrotate moved them away); clearing a process's logs empties them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { ProcessState } from '../../src/process/states.js';
import { makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { processConfig, programGroup } from '../helpers/process-config.js';
import { withHarness } from '../helpers/supervisor-harness.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const TICKER = `sh -c 'i=0; while :; do echo "tick $i"; echo "err $i" >&2; i=$((i+1)); sleep 0.02; done'`;

test('SIGUSR2: the main log and both child logs are reopened at their paths after being moved away', async () => {
  const dir = makeTempDir('reopen-');
  dirs.push(dir);
  const conf = writeConfig(dir, `[program:ticker]\ncommand=${TICKER}\nstdout_logfile=%(here)s/out.log\nstderr_logfile=%(here)s/err.log\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/success: ticker entered RUNNING state/);
    for (const name of ['out.log', 'err.log', 'supervisord.log']) fs.renameSync(path.join(dir, name), path.join(dir, `${name}.moved`));
    daemon.child.kill('SIGUSR2');
    // as in 4.2.5, the line goes to the old file, before the main log and then the child logs are reopened
    await waitFor(() => /INFO supervisord logreopen/.test(fs.readFileSync(path.join(dir, 'supervisord.log.moved'), 'utf8')), 10_000, 'logreopen in the moved main log');
    const newly = (name: string): string => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : '');
    await waitFor(() => fs.existsSync(path.join(dir, 'supervisord.log')), 5000, 'the new main log');
    await waitFor(() => /tick \d+\n/.test(newly('out.log')), 5000, 'ticks in the new out.log');
    await waitFor(() => /err \d+\n/.test(newly('err.log')), 5000, 'errs in the new err.log');
    const movedSize = fs.statSync(path.join(dir, 'out.log.moved')).size;
    await waitFor(() => fs.statSync(path.join(dir, 'out.log')).size > 200, 5000, 'the new out.log to grow');
    assert.equal(fs.statSync(path.join(dir, 'out.log.moved')).size, movedSize, 'nothing more goes to the moved file');
  } finally {
    await daemon.stop();
  }
});

test('clearLogs truncates both logs and writing goes on from zero', async () => {
  await withHarness(async (h) => {
    const out = path.join(h.dir, 'out.log');
    const err = path.join(h.dir, 'err.log');
    const supervisor = h.run([programGroup(processConfig('ticker', { command: TICKER, startsecs: 0, stdout_logfile: out, stderr_logfile: err }))]);
    await h.waitForState('ticker', ProcessState.RUNNING);
    await waitFor(() => fs.existsSync(out) && fs.statSync(out).size > 100, 5000, 'some output');
    const proc = supervisor.resolve('ticker').process!;
    await proc.clearLogs();
    const first = fs.readFileSync(out, 'utf8').split('\n')[0] ?? '';
    assert.ok(fs.statSync(out).size < 100, `out.log emptied (now ${fs.statSync(out).size} bytes)`);
    assert.ok(fs.statSync(err).size < 100);
    await waitFor(() => fs.statSync(out).size > 100, 5000, 'output after the clear');
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(!text.includes('\0'), 'no hole of zeros: the file is appended to from its new end');
    assert.ok(text.startsWith(first));
  });
});
