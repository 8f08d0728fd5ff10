// A plugin that throws on every event and one that never resolves sit beside a counting plugin:
// the child's log file and the counting plugin still get every line, and both faults are logged.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeTempDir, waitFor, writeConfig } from '../helpers/daemon.js';
import { fixture, startWithStdout } from './helpers.js';

const LINES = 20_000;

function lineCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

async function runWith(pluginSections: string, logLinesToWaitFor: RegExp[] = []): Promise<{ logLines: number; counted: number; ms: number; mainLog: string }> {
  const dir = makeTempDir('sv-plugin-isolation-');
  const counted = path.join(dir, 'counted.txt');
  const childLog = path.join(dir, 'spam.log');
  const conf = writeConfig(
    dir,
    `[program:spam]\ncommand=${process.execPath} ${fixture('spam-lines.mjs')} spam ${LINES}\nstartsecs=0\nautorestart=false\nstdout_logfile=${childLog}\n\n` +
      `[plugin:counter]\nmodule=${fixture('count-lines.mjs')}\nevents=PROCESS_LOG\nfile=${counted}\n\n${pluginSections}`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  const started = Date.now();
  try {
    await waitFor(() => lineCount(childLog) >= LINES && lineCount(counted) >= LINES, 60_000, `${LINES} lines in the log and the counter`);
    const ms = Date.now() - started;
    for (const pattern of logLinesToWaitFor) await daemon.waitForLog(pattern);
    return { logLines: lineCount(childLog), counted: lineCount(counted), ms, mainLog: daemon.mainLog() };
  } finally {
    await daemon.stop();
  }
}

test('a throwing and a hanging plugin do not affect the child log file or the other plugins', async (t) => {
  const baseline = await runWith('');
  const faulty = await runWith(
    `[plugin:throws]\nmodule=${fixture('throws.mjs')}\nevents=PROCESS_LOG,PROCESS_STATE\n\n` +
      `[plugin:hangs]\nmodule=${fixture('hangs.mjs')}\nevents=PROCESS_LOG,PROCESS_STATE\ncall_timeout=0.2\nqueue_size=10\n`,
    [/ERRO plugin throws: PROCESS_\w+ handler threw Error: this plugin always throws/, /ERRO plugin hangs: PROCESS_\w+ handler did not finish within 0\.2s, moving on/, /WARN plugin hangs: queue full \(10 events\): dropped the oldest event/],
  );
  t.diagnostic(`delivery of ${LINES} lines: ${baseline.ms} ms alone, ${faulty.ms} ms beside the faulty plugins`);
  assert.equal(faulty.logLines, LINES, 'every line in the child log file');
  assert.equal(faulty.counted, LINES, 'every line reached the counting plugin');
  assert.equal(baseline.counted, LINES);
});
