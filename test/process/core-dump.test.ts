// "(core dumped)" in the exit line when the wait status says so, as 4.2.5's decode_wait_status
// words it: a program that raises its core limit and kills itself with SIGSEGV, under ours and
// under the real 4.2.5, each in its own temp dir (the program runs there, so its core file too).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, test } from 'node:test';
import { makeTempDir, REFERENCE_DAEMON, startDaemon, writeConfig } from '../helpers/daemon.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Null when the kernel would write a program's core as a file in its own directory (a relative
 * core_pattern, no pipe) and the hard core limit lets it raise its soft limit; else why not.
 */
function whyNoCoreHere(): string | null {
  try {
    const pattern = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
    if (pattern === '' || pattern.startsWith('|') || pattern.includes('/')) return `core_pattern ${pattern} would put the core outside the temp dir`;
    const hard = /^Max core file size\s+\S+\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return hard === '0' ? 'the hard core limit is 0' : null;
  } catch (err) {
    return (err as Error).message;
  }
}

const EXIT_LINE = /exited: crash \(.*\)$/m;

async function exitLine(prefix: string, daemon?: string[]): Promise<{ line: string; files: string[] }> {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  const conf = writeConfig(
    dir,
    // the soft core limit is 0 by default; a program may raise it up to the hard limit
    `[program:crash]\ncommand=sh -c 'ulimit -c "$(ulimit -H -c)"; kill -SEGV $$'\ndirectory=%(here)s\nstartsecs=0\nautorestart=false\n` +
      `stdout_logfile=NONE\nstderr_logfile=NONE\n`,
  );
  const running = startDaemon(dir, ['-n', '-c', conf], daemon ? { daemon } : {});
  try {
    const line = await running.waitForLog(EXIT_LINE, 20_000);
    return { line, files: fs.readdirSync(dir) };
  } finally {
    await running.stop();
  }
}

test('a program killed by SIGSEGV with a core dump: "(core dumped)" in the exit line, as under 4.2.5', async (t) => {
  const why = whyNoCoreHere();
  if (why !== null) return t.skip(why);
  const [ours, reference] = await Promise.all([exitLine('core-ours-'), exitLine('core-ref-', REFERENCE_DAEMON)]);
  assert.equal(reference.line, 'exited: crash (terminated by SIGSEGV (core dumped); not expected)');
  assert.equal(ours.line, reference.line);
  // the kernel did dump, in the program's directory
  assert.ok(ours.files.some((name) => name.startsWith('core')), `a core file among ${ours.files.join(' ')}`);
});
