// The fork/exec step. posix_spawn (posix-spawn.ts) or Node's spawn do in C what 4.2.5's child does
// in Python (new session, setuid, chdir, umask, exec), and report a failure to the parent instead of
// a child exiting 127; this module turns such failures back into the bytes and spawnerr 4.2.5 would
// produce.
import { spawn, type ChildProcess } from 'node:child_process';
import process from 'node:process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { readChunks, type ChunkHandler } from '../output/pipe-to-log.js';
import { backlogOf, closeEnd, openPipe, readEndStream, stdinStream, widenPipe, type OutputPipe } from './output-pipes.js';
import { posixSpawn, posixSpawnUnavailable, type ChildHandle } from './posix-spawn.js';
import type { ProgramRlimit } from '../config/program-extensions.js';
import { rlimitPrelude, throughShell } from './rlimit-trampoline.js';

export interface LaunchRequest {
  filename: string;
  argv: string[];
  env: Record<string, string>;
  directory: string | null;
  umask: number | null;
  uid: number | null;
  gid: number | null;
  /** rlimit_* keys: set by a /bin/sh in between that then execs the program (rlimit-trampoline.ts) */
  rlimits?: readonly ProgramRlimit[];
  /**
   * an eventlistener: its stdin carries whole envelopes (up to ~256 KiB for PROCESS_LOG), which a
   * wider pipe takes in one write(2) instead of several chasing the listener's reads (ADR 0021)
   */
  wideStdin?: boolean;
}

/** A start that failed before the program ran. */
export interface LaunchFailure {
  /** the text for `status`, the API and a later "spawnerr:" */
  spawnerr: string;
  /** the main-log "spawnerr: ..." detail */
  detail: string;
  /** what 4.2.5's forked child would have written to its stderr; null for parent-side failures */
  childStderr: string | null;
}

export const EXITED_TOO_QUICKLY = 'Exited too quickly (process log may have details)';

function childSideFailure(what: string): LaunchFailure {
  return {
    spawnerr: EXITED_TOO_QUICKLY,
    detail: what,
    childStderr: `supervisor: ${what}\nsupervisor: child process was not spawned\n`,
  };
}

/** 4.2.5 checks in the child, in this order: setuid, then chdir; we check the same in the parent first. */
export function checkChildSetup(request: LaunchRequest): LaunchFailure | null {
  if (request.uid !== null && request.uid !== process.getuid?.() && process.getuid?.() !== 0) {
    return childSideFailure(`couldn't setuid to ${request.uid}: Can't drop privilege as nonroot user`);
  }
  if (request.directory !== null) {
    const errno = directoryErrno(request.directory);
    if (errno !== null) return childSideFailure(`couldn't chdir to ${request.directory}: ${errno}`);
  }
  return null;
}

function directoryErrno(directory: string): string | null {
  try {
    if (!fs.statSync(directory).isDirectory()) return 'ENOTDIR';
    fs.accessSync(directory, fs.constants.X_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

/** 4.2.5's spawnerr when the daemon has no file descriptors left for a start. */
export function tooManyOpenFiles(processName: string): LaunchFailure {
  const message = `too many open files to spawn '${processName}'`;
  return { spawnerr: message, detail: message, childStderr: null };
}

/** Map an error Node reports from spawn (thrown, or emitted as 'error') to what 4.2.5 would show. */
export function launchFailureFrom(err: NodeJS.ErrnoException, request: LaunchRequest, processName: string): LaunchFailure {
  const code = err.code ?? 'EIO';
  if (code === 'EMFILE' || code === 'ENFILE') return tooManyOpenFiles(processName);
  if (code === 'EAGAIN') {
    const message = `Too many processes in process table to spawn '${processName}'`;
    return { spawnerr: message, detail: message, childStderr: null };
  }
  if (request.directory !== null) {
    const dirErrno = directoryErrno(request.directory);
    if (dirErrno !== null) return childSideFailure(`couldn't chdir to ${request.directory}: ${dirErrno}`);
  }
  if (request.uid !== null && code === 'EPERM') {
    return childSideFailure(`couldn't setuid to ${request.uid}: ${code}`);
  }
  return childSideFailure(`couldn't exec ${request.argv[0] ?? request.filename}: ${code}`);
}

/** Where the bytes read from the child's pipes go. */
export interface LaunchOutput {
  stdout: ChunkHandler;
  /** null: fd 2 is the stdout pipe too (redirect_stderr), one byte stream as 4.2.5 makes it */
  stderr: ChunkHandler | null;
}

/** A started child and the streams of its stdout and stderr. */
export interface LaunchedChild {
  child: ChildHandle;
  stdout: Readable;
  /** null when fd 2 shares the stdout pipe (redirect_stderr) */
  stderr: Readable | null;
  /** lets the pipe hold more for a child that writes faster than it is read; null without real pipes */
  widen: { stdout: () => void; stderr: () => void } | null;
  /** bytes waiting unread in each pipe, null once its stream is closed (and for stderr when redirected); null without real pipes */
  backlog: { stdout: () => number | null; stderr: () => number | null } | null;
}

/** The pipes of one child: stderr is null when fd 2 is to be the stdout pipe. */
interface ChildPipes {
  stdout: OutputPipe;
  stderr: OutputPipe | null;
}

/**
 * Starts the program in its own process group and session (setsid, so pgid == pid and signals
 * aimed at the daemon's terminal do not reach it), with the umask set around the start because the
 * child inherits it. Where libc allows (output-pipes.ts, posix-spawn.ts), its stdout and stderr are
 * real pipes and it is started with posix_spawn; otherwise (another user to switch to, a name to
 * look up in PATH, no koffi) by child_process.spawn. Each chunk read goes to its handler in
 * `output`. Throws what spawn throws; a child without a pid will emit 'error'.
 */
export function launch(request: LaunchRequest, output: LaunchOutput): LaunchedChild {
  const redirected = output.stderr === null;
  const pipes = openPipes(redirected);
  const ends = pipes ? [pipes.stdout, ...(pipes.stderr ? [pipes.stderr] : [])] : [];
  const previousUmask = request.umask === null ? null : process.umask(request.umask);
  let child: ChildHandle;
  try {
    child = pipes && mayPosixSpawn(request) ? spawnDirect(request, pipes) : spawnWithNode(request, pipes, redirected);
  } catch (err) {
    for (const pipe of ends) closeEnd(pipe.readFd);
    throw err;
  } finally {
    if (previousUmask !== null) process.umask(previousUmask);
    // the child has its copies now: ours would keep the pipe open after the child is gone
    for (const pipe of ends) closeEnd(pipe.writeFd);
  }
  if (!pipes) {
    const stdout = (child as ChildProcess).stdout as Readable;
    readChunks(stdout, output.stdout);
    const stderr = output.stderr === null ? null : ((child as ChildProcess).stderr as Readable);
    if (stderr !== null) readChunks(stderr, output.stderr as ChunkHandler);
    return { child, stdout, stderr, widen: null, backlog: null };
  }
  // without a pid the spawn failed: nothing holds the write ends, so the streams just end
  const stdout = readEndStream(pipes.stdout, output.stdout);
  const stderr = pipes.stderr && readEndStream(pipes.stderr, output.stderr as ChunkHandler);
  const stderrPipe = pipes.stderr;
  return {
    child,
    stdout,
    stderr,
    widen: { stdout: () => widenPipe(pipes.stdout.readFd), stderr: () => stderrPipe !== null && widenPipe(stderrPipe.readFd) },
    backlog: { stdout: backlogOf(stdout, pipes.stdout), stderr: stderr && stderrPipe ? backlogOf(stderr, stderrPipe) : () => null },
  };
}

/** user= names someone else than the daemon's user. */
function switchesUser(request: LaunchRequest): boolean {
  return request.uid !== null && request.uid !== process.getuid?.();
}

/** posix_spawn cannot switch users, and takes a path, not a name to look up in PATH. */
function mayPosixSpawn(request: LaunchRequest): boolean {
  return !switchesUser(request) && request.filename.includes('/') && posixSpawnUnavailable() === null;
}

/** The descriptors that become the child's 1 and 2: the same one twice for redirect_stderr (a real 2>&1). */
function outputFds(pipes: ChildPipes): [number, number] {
  return [pipes.stdout.writeFd, (pipes.stderr ?? pipes.stdout).writeFd];
}

/** The shell lines to run before the program, '' when it has no rlimit_* keys. */
function preludeOf(request: LaunchRequest): string {
  return request.rlimits && request.rlimits.length > 0 ? rlimitPrelude(request.rlimits) : '';
}

function spawnDirect(request: LaunchRequest, pipes: ChildPipes): ChildHandle {
  const stdinPipe = openPipe() as OutputPipe;
  if (request.wideStdin) widenPipe(stdinPipe.writeFd);
  const stdin = stdinStream(stdinPipe.writeFd);
  const prelude = preludeOf(request);
  const { filename, argv } = prelude ? throughShell(prelude, request.filename, request.argv) : request;
  try {
    return posixSpawn(
      { filename, argv, env: request.env, directory: request.directory, stdio: [stdinPipe.readFd, ...outputFds(pipes)] },
      stdin,
    );
  } catch (err) {
    stdin.destroy();
    throw err;
  } finally {
    closeEnd(stdinPipe.readFd);
  }
}

// Without pipe2 (no koffi), libuv makes a socketpair per stdio stream and none can be handed to two
// descriptors; a shell in between makes fd 2 a copy of fd 1 and execs the program in the same pid.
// argv[0] is then the resolved path (dash's exec cannot set it apart from the file).
const FOLLOW_STDOUT = 'exec 2>&1; ';

function spawnWithNode(request: LaunchRequest, pipes: ChildPipes | null, redirected: boolean): ChildProcess {
  const sameUser = !switchesUser(request);
  // rlimits are set after the switch to user= (the shell runs as that user): lowering works, raising
  // a hard limit does not (docs/operations.md)
  // fd 2 first: a limit that cannot be set is said there
  const prelude = (pipes === null && redirected ? FOLLOW_STDOUT : '') + preludeOf(request);
  const shell = prelude !== '';
  const target = shell ? throughShell(prelude, request.filename, request.argv) : request;
  return spawn(target.filename, target.argv.slice(1), {
    argv0: shell ? undefined : request.argv[0],
    env: request.env,
    cwd: request.directory ?? undefined,
    detached: true,
    // with a shell in between, its fd 2 is /dev/null until it makes it a copy of fd 1
    stdio: pipes ? ['pipe', ...outputFds(pipes)] : ['pipe', 'pipe', redirected ? 'ignore' : 'pipe'],
    uid: sameUser ? undefined : (request.uid ?? undefined),
    gid: sameUser ? undefined : (request.gid ?? undefined),
  });
}

/** A pipe for stdout, and one for stderr unless fd 2 follows fd 1; null without pipe2 (libuv's socketpairs then). */
function openPipes(redirected: boolean): ChildPipes | null {
  const stdout = openPipe();
  if (!stdout) return null;
  if (redirected) return { stdout, stderr: null };
  let stderr: OutputPipe | null;
  try {
    stderr = openPipe();
  } catch (err) {
    closeEnd(stdout.readFd);
    closeEnd(stdout.writeFd);
    throw err;
  }
  return stderr ? { stdout, stderr } : null;
}
