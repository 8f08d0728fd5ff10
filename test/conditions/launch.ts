// Starts supervisord with its stdout and stderr where users' machines put them: a regular file,
// pipes read at a container runtime's pace, a terminal, or a pipe read as fast as it fills. Each
// stream ends up in a file of the run's directory, read once supervisord is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, REPO_ROOT, SUPERVISORD_BIN } from '../helpers/daemon.js';

export const CONDITION_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'conditions');

/**
 * file: `supervisord -n -c conf > out.log 2>&1`; paced-pipe: stdout and stderr on pipes read at
 * 1 MB/s each (a container runtime); pty: a terminal showing both; pipe: a reader as fast as it gets.
 */
export type StdoutKind = 'file' | 'paced-pipe' | 'pty' | 'pipe';

/** One captured stream of supervisord. */
export interface Stream {
  file: string;
  /** which of supervisord's descriptors write to it */
  carries: ReadonlyArray<'stdout' | 'stderr'>;
  /** a terminal: onlcr turns \n into \r\n */
  terminal: boolean;
  /**
   * whether the end of the run waits for its last lines: a reader that holds writers up (a pipe, a
   * terminal) must have them before the stop. A regular file never holds a writer up, so it is
   * simply read once supervisord is gone.
   */
  awaited: boolean;
}

/** The files the streams of a `kind` launch end up in. */
export function streamsFor(kind: StdoutKind, dir: string): Stream[] {
  const at = (name: string): string => path.join(dir, name);
  switch (kind) {
    case 'file':
      return [{ file: at('out.log'), carries: ['stdout', 'stderr'], terminal: false, awaited: false }];
    case 'pty':
      return [{ file: at('tty.log'), carries: ['stdout', 'stderr'], terminal: true, awaited: true }];
    default:
      return [
        { file: at('stdout.log'), carries: ['stdout'], terminal: false, awaited: true },
        { file: at('stderr.log'), carries: ['stderr'], terminal: false, awaited: true },
      ];
  }
}

export interface Launched {
  /** supervisord, or the launcher that passes SIGTERM on to it */
  child: ChildProcess;
  /** resolves with the exit status once supervisord ended and its streams are all on disk */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** the launcher's own complaints, for an exit status that is not 0 */
  diagnostics: () => string;
}

export function launch(kind: StdoutKind, dir: string, conf: string): Launched {
  const daemon = [process.execPath, SUPERVISORD_BIN, '-n', '-c', conf];
  const fixture = (name: string): string => path.join(CONDITION_FIXTURES, name);
  const open = (name: string): number => fs.openSync(path.join(dir, name), 'w');
  let child: ChildProcess;
  const flushed: Promise<void>[] = [];
  if (kind === 'file') {
    // one description for fd 1 and 2, as the shell's `> out.log 2>&1` gives
    const fd = open('out.log');
    child = spawn(daemon[0]!, daemon.slice(1), { cwd: dir, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
  } else if (kind === 'pty') {
    const fd = open('tty.log');
    child = spawn(fixture('pty-run.py'), daemon, { cwd: dir, stdio: ['ignore', fd, 'pipe'] });
    fs.closeSync(fd);
  } else if (kind === 'paced-pipe') {
    child = spawn(fixture('paced-pipes.py'), [path.join(dir, 'stdout.log'), path.join(dir, 'stderr.log'), ...daemon], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    child = spawn(daemon[0]!, daemon.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const name of ['stdout', 'stderr'] as const) {
      const out = fs.createWriteStream(path.join(dir, `${name}.log`));
      child[name]!.pipe(out);
      flushed.push(new Promise((resolve) => out.on('close', () => resolve())));
    }
  }
  let diagnostics = '';
  if (kind !== 'pipe') child.stderr?.on('data', (d: Buffer) => (diagnostics += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const done = Promise.all([exited, ...flushed]).then(([status]) => status);
  return { child, done, diagnostics: () => diagnostics.slice(-2000) };
}

/** After a failed stop: the launcher and the supervisord it started (found by its pidfile), nothing else. */
export function stopLeftovers(child: ChildProcess, dir: string): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'supervisord.pid'), 'utf8').trim());
    if (pid > 0 && isAlive(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGKILL');
  } catch {
    // no pidfile, or it exited meanwhile
  }
}
