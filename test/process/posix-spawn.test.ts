// Programs started by posix_spawn (ADR 0009) start as libuv's children did and as 4.2.5's do:
// their own session, no signal ignored or blocked, pipes for stdin/stdout/stderr, and an exec
// failure reported as 4.2.5's child reports it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { posixSpawnUnavailable } from '../../src/process/posix-spawn.js';
import { ProcessState } from '../../src/process/states.js';
import { processConfig, programGroup } from '../helpers/process-config.js';
import { waitFor, withHarness } from '../helpers/supervisor-harness.js';

test('posix_spawn is available on this machine (else every start falls back to child_process.spawn)', () => {
  assert.equal(posixSpawnUnavailable(), null);
});

test('a program gets its own session and group, no signal ignored or blocked, and pipes as stdio', () =>
  withHarness(async (h) => {
    const out = (name: string) => path.join(h.dir, `${name}.out`);
    const program = (name: string, command: string) =>
      programGroup(processConfig(name, { command, startsecs: 0, autorestart: 'false', stdout_logfile: out(name) }));
    h.run([program('status', 'cat /proc/self/status'), program('stat', 'cat /proc/self/stat'), program('stdin', 'readlink /proc/self/fd/0')]);
    for (const name of ['status', 'stat', 'stdin']) await h.waitForState(name, ProcessState.EXITED);
    const status = fs.readFileSync(out('status'), 'utf8');
    // the daemon ignores SIGPIPE (Node does); a child must not inherit that
    assert.match(status, /^SigIgn:\s+0+$/m);
    assert.match(status, /^SigBlk:\s+0+$/m);
    const stat = fs.readFileSync(out('stat'), 'utf8');
    // after the name in parentheses: state, ppid, pgrp, session
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const statPid = Number(stat.split(' ')[0]);
    assert.equal(pgrp, statPid, 'process group leader');
    assert.equal(session, statPid, 'session leader (setsid)');
    assert.match(fs.readFileSync(out('stdin'), 'utf8'), /^pipe:\[\d+\]\n$/);
  }));

test('an executable without #! fails as 4.2.5 fails it (ENOEXEC), not run by a shell', () =>
  withHarness(async (h) => {
    const script = path.join(h.dir, 'no-shebang');
    fs.writeFileSync(script, 'echo ran by a shell\n', { mode: 0o755 });
    const stderrLog = path.join(h.dir, 'noshebang.err');
    const stdoutLog = path.join(h.dir, 'noshebang.out');
    h.run([programGroup(processConfig('noshebang', { command: script, startretries: 0, stdout_logfile: stdoutLog, stderr_logfile: stderrLog }))]);
    await h.waitForState('noshebang', ProcessState.FATAL, 5000);
    await waitFor(() => fs.existsSync(stderrLog) && fs.readFileSync(stderrLog, 'utf8').includes('not spawned'), 5000, 'the stderr log');
    assert.equal(fs.readFileSync(stderrLog, 'utf8'), `supervisor: couldn't exec ${script}: ENOEXEC\nsupervisor: child process was not spawned\n`);
    assert.equal(fs.existsSync(stdoutLog) ? fs.readFileSync(stdoutLog, 'utf8') : '', '');
  }));

test('every started program is reaped: exit codes and signals reported, no zombie left', () =>
  withHarness(async (h) => {
    const program = (name: string, command: string) => programGroup(processConfig(name, { command, startsecs: 0, autorestart: 'false' }));
    h.run([program('code', "sh -c 'exit 3'"), program('killed', "sh -c 'kill -9 $$'"), ...Array.from({ length: 20 }, (_, i) => program(`quick${i}`, 'true'))]);
    for (const name of ['code', 'killed', ...Array.from({ length: 20 }, (_, i) => `quick${i}`)]) await h.waitForState(name, ProcessState.EXITED);
    assert.equal(h.logged("exited: code (exit status 3; not expected)").length, 1);
    assert.equal(h.logged('exited: killed (terminated by SIGKILL; not expected)').length, 1);
    const zombies = fs
      .readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .filter((pid) => {
        try {
          return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').slice(-200).replace(/^.*\)/, ''));
        } catch {
          return false;
        }
      });
    assert.deepEqual(zombies, []);
  }));
