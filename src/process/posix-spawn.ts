// Starting a program with libc's posix_spawn instead of child_process.spawn (ADR 0009). libuv forks:
// the kernel copies the daemon's page tables and marks every page copy-on-write, and the daemon
// waits until the child has exec'd, so each start cost 1.5-2.5 ms of a blocked event loop and 1000
// programs took 2.5 s to start. glibc's posix_spawn uses clone(CLONE_VM | CLONE_VFORK): nothing is
// copied, and the same start costs a third of that.
//
// A child started this way is not Node's: this module waits for it (waitpid on SIGCHLD, for its own
// pids only) and tells its exit as ChildProcess does, with an 'exit' event (code, signal).
import { EventEmitter } from 'node:events';
import os from 'node:os';
import process from 'node:process';
import type { Writable } from 'node:stream';
import { claimChild } from '../daemon/orphan-reaper.js';
import { childWait, type ChildWait } from '../util/child-wait.js';
import { libc } from '../util/libc.js';

/** What a started program is to the rest of the daemon: ChildProcess, or a PosixChild. */
export interface ChildHandle extends EventEmitter {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  /** the wait status said WCOREDUMP; only known for a child we reap ourselves (Node's 'exit' does not tell) */
  readonly coreDumped?: boolean;
}

/** How to start: the program's path, its argv (argv[0] as given), environment and directory. */
export interface PosixSpawnRequest {
  filename: string;
  argv: string[];
  env: Record<string, string>;
  directory: string | null;
  /** descriptors that become the child's 0, 1 and 2 */
  stdio: [number, number, number];
}

type Fn = (...args: unknown[]) => number;

interface Binding {
  spawn: Fn;
  fileActionsInit: Fn;
  fileActionsDestroy: Fn;
  addDup2: Fn;
  addChdir: Fn;
  /** null where glibc is older than 2.34 (or not glibc): the close-on-exec marks do it alone */
  addCloseFrom: Fn | null;
  wait: ChildWait;
  /** one attribute set for every spawn: a new session, every signal at its default, none blocked */
  attr: Buffer;
}

// sizes with room to spare: glibc's posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80,
// sigset_t 128 (musl's are smaller)
const ATTR_BYTES = 1024;
const FILE_ACTIONS_BYTES = 512;
const SIGSET_BYTES = 256;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;

let binding: Binding | string | undefined;

function bind(): Binding | string {
  const lib = libc();
  if (typeof lib === 'string') return lib;
  const wait = childWait();
  if (typeof wait === 'string') return wait;
  try {
    const func = (proto: string): Fn => lib.func(proto) as Fn;
    const attrInit = func('int posix_spawnattr_init(void *attr)');
    const setFlags = func('int posix_spawnattr_setflags(void *attr, short flags)');
    const setSigDefault = func('int posix_spawnattr_setsigdefault(void *attr, const void *set)');
    const setSigMask = func('int posix_spawnattr_setsigmask(void *attr, const void *set)');
    const sigFillSet = func('int sigfillset(void *set)');
    const sigEmptySet = func('int sigemptyset(void *set)');
    const attr = Buffer.alloc(ATTR_BYTES);
    const all = Buffer.alloc(SIGSET_BYTES);
    const none = Buffer.alloc(SIGSET_BYTES);
    // what libuv does in its child: signals Node ignores or handles (SIGPIPE...) back to their defaults, none blocked
    let failed = attrInit(attr) || sigFillSet(all) || sigEmptySet(none);
    // sigfillset leaves out glibc's own signals (32 and 33), which its posix_spawn then sets to
    // SIG_IGN in the child, and an ignored signal stays ignored across exec; a forked child (libuv's,
    // 4.2.5's) gets them at their default. Every bit of the classic 64 set: all of them to default.
    all.fill(0xff, 0, 8);
    failed ||=
      setSigDefault(attr, all) ||
      setSigMask(attr, none) ||
      setFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (failed) return `posix_spawnattr setup failed (errno ${failed})`;
    // listening before the first spawn, so that no child's SIGCHLD can come before we do
    process.on('SIGCHLD', reapOurs);
    return {
      spawn: func('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
      fileActionsInit: func('int posix_spawn_file_actions_init(void *actions)'),
      fileActionsDestroy: func('int posix_spawn_file_actions_destroy(void *actions)'),
      addDup2: func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
      addChdir: func('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)'),
      addCloseFrom: optional(() => func('int posix_spawn_file_actions_addclosefrom_np(void *actions, int from)')),
      wait,
      attr,
    };
  } catch (err) {
    return `posix_spawn is not usable here (${(err as Error).message})`;
  }
}

function optional(bindOne: () => Fn): Fn | null {
  try {
    return bindOne();
  } catch {
    return null;
  }
}

/** Why posix_spawn cannot be used here, or null when it can. */
export function posixSpawnUnavailable(): string | null {
  binding ??= bind();
  return typeof binding === 'string' ? binding : null;
}

const errnoNames = new Map(Object.entries(os.constants.errno).map(([name, number]) => [number, name]));
const signalNames = new Map(Object.entries(os.constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/**
 * Starts the program, or throws an errno error as spawn does (ENOENT, EACCES, ENOEXEC, EMFILE...):
 * glibc reports a failed exec to the caller. The child is in a new session, with every signal at its
 * default and none blocked; its 0, 1 and 2 are `stdio`, and it gets no other descriptor.
 */
export function posixSpawn(request: PosixSpawnRequest, stdin: Writable | null): PosixChild {
  const reason = posixSpawnUnavailable();
  if (reason !== null) throw new Error(reason);
  const lib = binding as Binding;
  const actions = Buffer.alloc(FILE_ACTIONS_BYTES);
  let error = lib.fileActionsInit(actions);
  if (error) throw errnoError(error, 'posix_spawn_file_actions_init');
  try {
    request.stdio.forEach((fd, target) => {
      error ||= lib.addDup2(actions, fd, target);
    });
    if (!error && request.directory !== null) error = lib.addChdir(actions, request.directory);
    // only 0, 1 and 2, as 4.2.5's child closes the rest: even a descriptor opened without close-on-exec
    if (!error && lib.addCloseFrom) error = lib.addCloseFrom(actions, 3);
    if (error) throw errnoError(error, 'posix_spawn_file_actions');
    const pid = [0];
    const envp = Object.entries(request.env).map(([key, value]) => `${key}=${value}`);
    error = lib.spawn(pid, request.filename, actions, lib.attr, [...request.argv, null], [...envp, null]);
    if (error) throw errnoError(error, `spawn ${request.filename}`);
    return new PosixChild(pid[0] as number, stdin);
  } finally {
    lib.fileActionsDestroy(actions);
  }
}

function errnoError(errno: number, what: string): NodeJS.ErrnoException {
  const code = errnoNames.get(errno) ?? `errno ${errno}`;
  const err = new Error(`${what} ${code}`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = -errno;
  err.syscall = 'posix_spawn';
  return err;
}

/** Our children started by posix_spawn, waited for here. */
const running = new Map<number, PosixChild>();

// On every SIGCHLD (several exits can share one): waitid(WNOWAIT) shows which child has exited
// without reaping it, and only ours are reaped. When the one shown is not ours (libuv reaps its own
// on this same SIGCHLD; the orphan reaper the rest), each of our pids is asked in turn instead.
function reapOurs(): void {
  if (running.size === 0) return;
  const { wait } = binding as Binding;
  for (;;) {
    const pid = wait.peekExited();
    if (pid <= 0) return;
    if (!running.has(pid)) break;
    reap(wait, pid);
  }
  for (const pid of [...running.keys()]) reap(wait, pid);
}

function reap(wait: ChildWait, pid: number): void {
  const [reaped, status] = wait.reap(pid);
  if (reaped !== pid) return;
  const child = running.get(pid) as PosixChild;
  running.delete(pid);
  child.exited(status);
}

/** A program started by posixSpawn: its pid, its stdin, and 'exit' (code, signal) once it is reaped. */
export class PosixChild extends EventEmitter implements ChildHandle {
  private readonly release: () => void;
  coreDumped = false;

  constructor(
    readonly pid: number,
    readonly stdin: Writable | null,
  ) {
    super();
    // the orphan reaper leaves it to us
    this.release = claimChild(pid);
    running.set(pid, this);
  }

  /** The raw wait status: exit code, or the signal that ended it, as ChildProcess reports them (and whether it dumped core). */
  exited(status: number): void {
    this.release();
    // as ChildProcess does: nobody reads it any more
    this.stdin?.destroy();
    const signal = status & 0x7f;
    if (signal === 0) {
      this.emit('exit', (status >> 8) & 0xff, null);
      return;
    }
    // WCOREDUMP, set before 'exit' so that its listeners can tell "(core dumped)" as 4.2.5 does
    this.coreDumped = (status & 0x80) !== 0;
    this.emit('exit', null, signalNames.get(signal) ?? null);
  }
}
