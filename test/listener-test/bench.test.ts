// supervisor-listener-test against real listeners: the three examples (bash, Python childutils,
// Node SDK) come out clean, and one broken listener per classic mistake is diagnosed with its cure
// and a non-zero exit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, makeTempDir, REPO_ROOT } from '../helpers/daemon.js';

const BENCH = path.join(REPO_ROOT, 'bin', 'supervisor-listener-test.js');
const EXAMPLES = path.join(REPO_ROOT, 'examples', 'listeners');
const BROKEN = path.join(FIXTURES, 'listeners');

interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runBench(args: string[], env: NodeJS.ProcessEnv = {}): Promise<BenchRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench ${args.join(' ')} did not end; output so far:\n${stdout}${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Generous deadlines for a loaded machine: these listeners are found out by what they write, not by a timeout. */
const GENEROUS = ['--ready-timeout', '30', '--timeout', '30'];

test('the bash, Python childutils and Node SDK example listeners answer every sample event cleanly', async () => {
  const dir = makeTempDir('sv-bench-');
  const runs = await Promise.all([
    runBench([path.join(EXAMPLES, 'record-events.sh')], { RECORD_FILE: path.join(dir, 'bash.txt') }),
    runBench(['/usr/bin/python3', path.join(EXAMPLES, 'record-events.py')], { RECORD_FILE: path.join(dir, 'python.jsonl') }),
    runBench([process.execPath, path.join(EXAMPLES, 'record-events.mjs')], { RECORD_FILE: path.join(dir, 'node.jsonl') }),
  ]);
  for (const run of runs) {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^25 events, 25 OK, 0 FAIL, 0 faults: clean$/m, run.stdout);
    // one line per event, with its answer and time
    assert.match(run.stdout, /#11 OK +\d+\.\d ms {2}REMOTE_COMMUNICATION \(emoji/);
  }
  // the examples got every event, the emoji intact
  const python = fs.readFileSync(path.join(dir, 'python.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { data: string | null });
  assert.equal(python.length, 25);
  assert.equal(python[10]!.data, 'deploy done 🎉🚀');
});

test('each classic listener mistake is reported with the bytes it wrote, its cure, and exit 1', async () => {
  const [chatter, noFlush, resultLength, lenInBytes, exitsMidEvent, asciiOnly, bytesRepr] = await Promise.all([
    runBench([...GENEROUS, path.join(BROKEN, 'stdout-chatter.py')]),
    // PYTHONUNBUFFERED in the bench's environment would hide the missing flush: the bench drops it
    // the one found out by a deadline: it never writes READY at all, so 1 s is as good as any
    runBench(['--ready-timeout', '1', path.join(BROKEN, 'no-flush.py')], { PYTHONUNBUFFERED: '1' }),
    runBench([...GENEROUS, path.join(BROKEN, 'wrong-result-length.sh')]),
    runBench([...GENEROUS, path.join(BROKEN, 'len-in-bytes.py')]),
    runBench([...GENEROUS, path.join(BROKEN, 'exits-mid-event.py')]),
    runBench([...GENEROUS, path.join(BROKEN, 'ascii-only.py')]),
    runBench([...GENEROUS, path.join(BROKEN, 'answers-bytes-repr.py')]),
  ]);
  const all = { chatter, noFlush, resultLength, lenInBytes, exitsMidEvent, asciiOnly, bytesRepr };
  for (const [name, run] of Object.entries(all)) assert.equal(run.code, 1, `${name}:\n${run.stdout}${run.stderr}`);

  assert.match(chatter.stdout, /# 1 NO ANSWER .*\n {6}wrote "hello\\n" to stdout while handling the event, where supervisord reads RESULT <length>: log to stderr.*\[SUP_ERR_BENCH_STDOUT_CHATTER\]/);

  assert.match(noFlush.stdout, /before the first event:\n {6}never wrote READY within 1 s after it started: flush stdout after writing it/);
  assert.match(noFlush.stdout, /0 OK, 0 FAIL, 25 not sent/);

  assert.match(resultLength.stdout, /# 1 FAIL .*\n {6}RESULT 3 but 2 characters followed \("OK"\): give RESULT the body's length in bytes \(RESULT 2\) \[SUP_ERR_BENCH_RESULT_LENGTH\]/);
  // "OKR" was a misreading caused by the length, not an answer to report
  assert.doesNotMatch(resultLength.stdout, /SUP_ERR_BENCH_ANSWER/);

  // ASCII events go through; the ones right after a non-ASCII payload fail, and the diagnosis says why
  assert.match(lenInBytes.stdout, /# 1 OK /);
  assert.match(lenInBytes.stdout, /#12 NO ANSWER +PROCESS_STATE_EXITED\n.*UnicodeDecodeError.*\n.*right after #11 with non-ASCII text: that payload is 24 characters in 30 bytes.*stops 6 bytes short.*len counted in bytes: read characters/);
  assert.match(lenInBytes.stdout, /\[SUP_ERR_BENCH_LEN_IN_BYTES\]/);

  assert.match(exitsMidEvent.stdout, /# 6 NO ANSWER +PROCESS_LOG_STDOUT.*\n {6}exited \(exit status 1\) while handling the event, before answering; its stderr ended with: .*JSONDecodeError.*: catch errors in the handler and answer RESULT 4\\nFAIL/);
  assert.match(exitsMidEvent.stdout, /# 5 OK /);
  // a crash on every PROCESS_LOG, whatever its text, is no encoding problem
  assert.doesNotMatch(exitsMidEvent.stdout, /SUP_ERR_BENCH_(LEN_IN_BYTES|NON_ASCII)/);

  // dies on non-ASCII text itself, with len read right: its ASCII twin of the event goes through
  assert.match(asciiOnly.stdout, /#11 NO ANSWER +REMOTE_COMMUNICATION.*\n.*UnicodeEncodeError.*\n {6}the listener copes with ASCII but went wrong on this event, whose ASCII twin goes through cleanly: its payload is 24 characters in 30 bytes: treat the payload as UTF-8 text.*\[SUP_ERR_BENCH_NON_ASCII\]/);
  assert.doesNotMatch(asciiOnly.stdout, /SUP_ERR_BENCH_LEN_IN_BYTES/);

  // Python 3's bytes/str mix-up in the answer: a well-framed FAIL, said for what it is
  assert.match(bytesRepr.stdout, /# 1 FAIL .*\n {6}answered "b'OK'", the str\(\) of a Python bytes object; supervisord takes it for FAIL and sends the event again: write the text "OK" .*\[SUP_ERR_BENCH_ANSWER\]/);
  assert.match(bytesRepr.stdout, /25 events, 0 OK, 25 FAIL, 25 faults: NOT clean/);
});

test('--plugin runs an in-process plugin on the same events: OK per call, FAIL with the error for a throw', async () => {
  const dir = makeTempDir('sv-bench-plugin-');
  const file = path.join(dir, 'events.jsonl');
  const run = await runBench(['--plugin', path.join(BROKEN, 'plugin-fails-on-tick.mjs'), '-o', `file=${file}`]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /# 5 FAIL +\d+\.\d ms {2}TICK_5\n {6}event\(\) threw: cannot handle TICK_5: .*\[SUP_ERR_BENCH_PLUGIN\]/);
  assert.match(run.stdout, /25 events, 22 OK, 3 FAIL, 3 faults: NOT clean/);
  const got = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; data?: unknown });
  assert.equal(got.length, 22);
  // the same typed events as the bus gives plugins
  assert.deepEqual(got.find((e) => e.type === 'REMOTE_COMMUNICATION' && String(e.data).includes('🎉'))?.data, 'deploy done 🎉🚀');

  const subscribed = await runBench(['--plugin', path.join(BROKEN, 'plugin-fails-on-tick.mjs'), '-o', `file=${path.join(dir, 'other.jsonl')}`, '-o', 'events=PROCESS_STATE']);
  assert.equal(subscribed.code, 0, subscribed.stdout + subscribed.stderr);
  assert.match(subscribed.stdout, /25 events, 8 OK, 0 FAIL, 17 skipped, 0 faults: clean/);
});

test('a bad recording or command line is refused with exit 2, naming the line and the field', async () => {
  const dir = makeTempDir('sv-bench-rec-');
  const file = path.join(dir, 'rec.jsonl');
  fs.writeFileSync(file, '{"type":"TICK_5","time":1,"when":5}\n\n{"type":"PROCESS_STATE_EXITED","time":2,"groupname":"x","from_state":"RUNNING"}\n');
  const bad = await runBench(['--events', file, '/bin/cat']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, `supervisor-listener-test: ${file} line 3: PROCESS_STATE_EXITED lacks "processname" (a string)\n`);
  const usage = await runBench(['--timeout', 'soon', '/bin/cat']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^supervisor-listener-test: --timeout soon: not a positive number of seconds\nUsage:/);
  const missing = await runBench(['--ready-timeout', '1', path.join(dir, 'no-such-listener')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /cannot run ".*no-such-listener": spawn .* ENOENT/);
});
