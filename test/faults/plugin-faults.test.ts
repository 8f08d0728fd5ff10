// In-process plugins that throw, reject, hang (in setup, event and flush), leak, or cannot keep
// up, beside a plugin that counts every line into a file: the child's log file and the counting
// plugin get every line, each fault is logged as docs/plugins.md says, the daemon answers RPC,
// and SIGTERM still ends it within the flush deadline.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, waitFor } from '../helpers/daemon.js';
import { assertAllSeqs, assertAnswersRpc, faultFixture, FOREVER, lineCount, seqsOf, SPAM_LINES, startFaultDaemon, type FaultDaemon } from './helpers.js';

const LINES = 5000;
const COUNTER = path.join(REPO_ROOT, 'test', 'plugins', 'fixtures', 'count-lines.mjs');
const THROWS = path.join(REPO_ROOT, 'test', 'plugins', 'fixtures', 'throws.mjs');
const HANGS = path.join(REPO_ROOT, 'test', 'plugins', 'fixtures', 'hangs.mjs');
const plugin = (name: string): string => faultFixture(path.join('plugins', name));

/** A writer of LINES numbered lines, a long-running program, the counting plugin, and `faulty`. */
function startWith(prefix: string, faulty: (dir: string) => string, pauseMs = 5): FaultDaemon {
  return startFaultDaemon(prefix, (dir) =>
    `[program:keepalive]\ncommand=${FOREVER}\n\n` +
    `[program:spam]\ncommand=${process.execPath} ${SPAM_LINES} spam ${LINES} ${pauseMs}\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/spam.log\n\n` +
    `[plugin:counter]\nmodule=${COUNTER}\nevents=PROCESS_LOG\nfile=${dir}/counted.txt\n\n` +
    faulty(dir),
  );
}

const linesIn = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(0, -1) : []);

/** Every line, counted where a user sees it: the program's log file and what the counting plugin wrote. */
async function assertEveryLine(daemon: FaultDaemon): Promise<void> {
  const logFile = path.join(daemon.dir, 'spam.log');
  const counted = path.join(daemon.dir, 'counted.txt');
  await waitFor(() => lineCount(logFile) >= LINES && lineCount(counted) >= LINES, 30_000, `${LINES} lines in the log file (${lineCount(logFile)}) and the counter (${lineCount(counted)})\n--- log:\n${daemon.mainLog()}`);
  for (const [what, file] of [['log file', logFile], ['counting plugin', counted]] as const) {
    const seqs = seqsOf(linesIn(file), 'spam');
    assertAllSeqs(seqs, LINES, what);
    assert.equal(seqs.length, LINES, `${what}: each line exactly once`);
  }
}

/** SIGTERM ends the daemon (exit 0) within `withinMs`, faulty flushes and leaked handles notwithstanding. */
async function assertStops(daemon: FaultDaemon, withinMs: number): Promise<number> {
  const started = Date.now();
  daemon.child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, withinMs, 'timeout').unref());
  const outcome = await Promise.race([daemon.exited, timeout]);
  assert.notEqual(outcome, 'timeout', `supervisord still running ${withinMs} ms after SIGTERM\n--- log:\n${daemon.mainLog()}`);
  assert.deepEqual(outcome, { code: 0, signal: null });
  return Date.now() - started;
}

test('plugins that throw, reject or hang in setup, event or flush: every line still reaches the log file and the other plugin', async (t) => {
  const daemon = startWith('plugin-throws', () =>
    `[plugin:throws]\nmodule=${THROWS}\nevents=PROCESS_LOG,PROCESS_STATE\n\n` +
    `[plugin:rejects]\nmodule=${plugin('rejects.mjs')}\nevents=PROCESS_LOG,PROCESS_STATE\n\n` +
    `[plugin:setup-throws]\nmodule=${plugin('setup-throws.mjs')}\nevents=PROCESS_LOG\n\n` +
    `[plugin:setup-hangs]\nmodule=${plugin('setup-hangs.mjs')}\nevents=PROCESS_LOG\ncall_timeout=0.5\n\n` +
    `[plugin:hangs]\nmodule=${HANGS}\nevents=PROCESS_LOG,PROCESS_STATE\ncall_timeout=0.2\nqueue_size=10\n\n` +
    `[plugin:flush-hangs]\nmodule=${plugin('flush-hangs.mjs')}\nevents=PROCESS_LOG\nflush_timeout=1\n`,
  );
  t.after(() => daemon.stop());
  await assertEveryLine(daemon);
  for (const line of [
    /ERRO plugin throws: PROCESS_\w+ handler threw Error: this plugin always throws/,
    /ERRO plugin rejects: PROCESS_\w+ handler threw Error: this plugin always rejects/,
    /ERRO plugin setup-throws: setup failed, plugin disabled: setup cannot reach its database/,
    /ERRO plugin setup-hangs: setup failed, plugin disabled: did not finish within 0\.5s/,
    /ERRO plugin hangs: PROCESS_\w+ handler did not finish within 0\.2s, moving on/,
    /WARN plugin hangs: queue full \(10 events\): dropped the oldest event/,
  ]) {
    await daemon.waitForLog(line);
  }
  await assertAnswersRpc(daemon);
  // hangs drains its 10 queued events at 0.2 s each; flush-hangs is cut at its 1 s
  const ms = await assertStops(daemon, 15_000);
  t.diagnostic(`stopped ${ms} ms after SIGTERM`);
  assert.match(daemon.mainLog(), /ERRO plugin flush-hangs: flush on shutdown did not finish within 1s/);
  assert.match(daemon.mainLog(), /ERRO plugin rejects: flush on shutdown threw Error: this flush always throws/);
  // the counting plugin flushed (closed its file) with every line in it
  assert.equal(lineCount(path.join(daemon.dir, 'counted.txt')), LINES);
});

test('a plugin slower than the lines drops the oldest, and the drops it reports add up to the lines it missed', async (t) => {
  const daemon = startWith(
    'plugin-slow',
    (dir) => `[plugin:slow]\nmodule=${plugin('slow.mjs')}\nevents=PROCESS_LOG\nfile=${dir}/slow.txt\ndelay=20\nqueue_size=20\n`,
  );
  t.after(() => daemon.stop());
  await assertEveryLine(daemon);
  await daemon.waitForLog(/WARN plugin slow: queue full \(20 events\): dropped the oldest event/);
  await assertAnswersRpc(daemon);
  await assertStops(daemon, 15_000);
  const got = seqsOf(linesIn(path.join(daemon.dir, 'slow.txt')), 'spam');
  for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, 'what the slow plugin got is in order, without repeats');
  const summary = /WARN plugin slow: (\d+) events \((\d+) output lines\) dropped in this run: queue full \(queue_size=20\)/.exec(daemon.mainLog());
  assert.ok(summary, `the run's drops are totalled in the log\n--- log:\n${daemon.mainLog()}`);
  assert.equal(got.length + Number(summary[2]), LINES, `${got.length} lines delivered + ${summary[2]} reported dropped`);
  t.diagnostic(`slow plugin: ${got.length} lines delivered, ${summary[1]} events (${summary[2]} lines) dropped and reported`);
});

test('a plugin that leaks memory, timers and a listening server: every line still delivered, RPC answers, SIGTERM still ends the daemon', async (t) => {
  const daemon = startWith('plugin-leaks', () => `[plugin:leaks]\nmodule=${plugin('leaks.mjs')}\nevents=PROCESS_LOG,PROCESS_STATE\n`);
  t.after(() => daemon.stop());
  const rssKb = (): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8'))![1]);
  await daemon.waitForLog(/plugin leaks: started/);
  const before = rssKb();
  await assertEveryLine(daemon);
  const after = rssKb();
  t.diagnostic(`daemon RSS ${Math.round(before / 1024)} MB before the lines, ${Math.round(after / 1024)} MB after (the leak is the plugin's, held in its own memory)`);
  await assertAnswersRpc(daemon);
  await assertStops(daemon, 10_000);
});
