// A child log on a full file system (a 1 MiB tmpfs, mounted by the test as root): an error in the
// main log, the program keeps running, and logging resumes once space is back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { isAlive, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const dirs: string[] = [];
const mounts: string[] = [];
after(() => {
  for (const mount of mounts) execFileSync('umount', [mount]);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes zeros to `file` until the file system refuses (ENOSPC). */
function fillUp(file: string): void {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

test('ENOSPC on a child log: error in the main log, program keeps running, logging resumes when space returns', async () => {
  const dir = makeTempDir('disk-full-');
  dirs.push(dir);
  const small = path.join(dir, 'small');
  fs.mkdirSync(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
  mounts.push(small);
  const log = path.join(small, 'app.log');
  const conf = writeConfig(
    dir,
    `[program:chatty]\ncommand=sh -c 'i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.01; done'\nstdout_logfile=${log}\nstdout_logfile_maxbytes=0\nstderr_logfile=NONE\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/success: chatty entered RUNNING state/);
    const pid = Number(/spawned: 'chatty' with pid (\d+)/.exec(daemon.mainLog())?.[1]);
    await waitFor(() => fs.readFileSync(log, 'utf8').includes('line 5\n'), 10_000, 'first lines in the log');

    const filler = path.join(small, 'filler');
    fillUp(filler);
    await daemon.waitForLog(/ERRO chatty: cannot write .*app\.log: ENOSPC.*; output is dropped until it works again/);
    assert.ok(isAlive(pid), 'the program keeps running');
    assert.match(daemon.mainLog(), /ERRO chatty: cannot write/);
    const errorCount = daemon.mainLog().match(/cannot write/g)?.length;
    assert.equal(errorCount, 1, 'said once per episode, not once per chunk');

    fs.rmSync(filler);
    const resumed = await daemon.waitForLog(/INFO chatty: writing .*app\.log again \((\d+) bytes of output were dropped\)/);
    assert.ok(Number(/\((\d+) bytes/.exec(resumed)?.[1]) > 0);
    const sizeAtResume = fs.statSync(log).size;
    await waitFor(() => fs.statSync(log).size > sizeAtResume + 100, 10_000, 'the log to grow again');
    const lines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const whole = lines.filter((l) => /^line \d+$/.test(l));
    // the write that hit the limit may have landed in part, joining a torn line to the next whole one
    assert.ok(lines.length - whole.length <= 1, `at most one torn line:\n${lines.filter((l) => !/^line \d+$/.test(l)).join('\n')}`);
    const numbers = whole.map((l) => Number(l.slice('line '.length)));
    assert.ok(numbers.some((n, i) => i > 0 && n > (numbers[i - 1] as number) + 1), 'a gap where the disk was full');
    assert.equal(daemon.child.exitCode, null, 'the daemon is still running');
    assert.ok(isAlive(pid));
  } finally {
    await daemon.stop();
  }
});
