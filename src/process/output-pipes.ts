// The pipes a child writes its stdout and stderr into. libuv's stdio 'pipe' is a unix socketpair:
// every small write(2) into a socket builds an skb and wakes the reader, and the socket buffer holds
// only a few hundred small writes, so a child writing line by line made the daemon read one or two
// lines per wake-up (bench scenario 2: a quarter of 4.2.5's lines/s). 4.2.5 gives children os.pipe()s,
// where small writes coalesce in the pipe's pages and one read takes them all. Node has no pipe(2),
// so pipe2 is called through libc (ADR 0008); without it, children get libuv's socketpairs as before.
import fs from 'node:fs';
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { ChunkHandler } from '../output/pipe-to-log.js';
import { libc } from '../util/libc.js';

const O_CLOEXEC = 0o2000000;

/** One pipe: the daemon reads `readFd`; `writeFd` becomes the child's fd 1 or 2. */
export interface OutputPipe {
  readFd: number;
  writeFd: number;
}

type Pipe2 = (fds: Int32Array, flags: number) => number;
type Fcntl = (fd: number, command: number, argument: number) => number;
type Ioctl = (fd: number, request: number, ...typedArguments: unknown[]) => number;

let pipe2: Pipe2 | string | undefined;
let fcntl: Fcntl | null = null;
let ioctl: Ioctl | null = null;

function bindPipe2(): Pipe2 | string {
  const lib = libc();
  if (typeof lib === 'string') return lib;
  try {
    fcntl = lib.func('int fcntl(int fd, int cmd, int arg)') as Fcntl;
  } catch {
    // pipes keep the kernel's default size
  }
  try {
    ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)') as Ioctl;
  } catch {
    // no backlog to tell
  }
  try {
    return lib.func('int pipe2(_Out_ int *fds, int flags)') as Pipe2;
  } catch (err) {
    return `pipe2 is not in the C library (${(err as Error).message})`;
  }
}

const F_SETPIPE_SZ = 1031;
/** room for a few milliseconds of a child writing as fast as it can, while reading pauses to gather */
const WIDE_PIPE_BYTES = 256 * 1024;

/**
 * Lets a pipe hold more than the kernel's default 64 KiB, for a child that writes faster than it is
 * read. Only such pipes grow: the kernel counts every pipe's size against the user's pipe budget
 * (fs.pipe-user-pages-soft), and past it refuses (we keep the default) and gives the user's new pipes
 * less. Returns whether it grew.
 */
export function widenPipe(fd: number): boolean {
  return fcntl !== null && fcntl(fd, F_SETPIPE_SZ, WIDE_PIPE_BYTES) >= WIDE_PIPE_BYTES;
}

// FIONREAD on Linux's generic ioctl numbering (x86, arm); the count is an int
const FIONREAD = 0x541b;
const backlogCount = new Int32Array(1);

/** Bytes written into the pipe and not read yet (ioctl FIONREAD on its read end); null when that cannot be asked. */
export function pipeBacklog(fd: number): number | null {
  outputPipesUnavailable(); // binds ioctl along with pipe2
  if (ioctl === null) return null;
  return ioctl(fd, FIONREAD, 'int *', backlogCount) === 0 ? (backlogCount[0] as number) : null;
}

/**
 * The backlog of a pipe whose read end `stream` owns: null once the stream is destroyed, since its
 * descriptor is closed then and its number may already belong to another file.
 */
export function backlogOf(stream: Readable, pipe: OutputPipe): () => number | null {
  return () => (stream.destroyed ? null : pipeBacklog(pipe.readFd));
}

/** Why real pipes are not available here, or null when they are. */
function outputPipesUnavailable(): string | null {
  if (pipe2 === undefined) pipe2 = bindPipe2();
  return typeof pipe2 === 'string' ? pipe2 : null;
}

/**
 * A new pipe, both ends close-on-exec (the child gets its end through dup2, which clears the flag,
 * so no other child inherits it). Null when pipes cannot be made this way (the caller falls back);
 * throws an errno error (EMFILE, ENFILE) as spawn would.
 */
export function openPipe(): OutputPipe | null {
  if (outputPipesUnavailable() !== null) return null;
  const fds = new Int32Array(2);
  if ((pipe2 as Pipe2)(fds, O_CLOEXEC) !== 0) {
    const err = new Error('pipe2 failed: too many open files') as NodeJS.ErrnoException;
    // pipe2 fails only for lack of descriptors (EMFILE, ENFILE) or memory; koffi does not surface errno
    err.code = 'EMFILE';
    throw err;
  }
  return { readFd: fds[0]!, writeFd: fds[1]! };
}

/** Closes an end the daemon no longer needs; an already closed descriptor is not an error. */
export function closeEnd(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // closed already
  }
}

// Every pipe is read into this one buffer (each read is handed on before the next one starts), so
// a stream of output allocates nothing per read: a fresh 64 KiB Buffer per read made V8 run major
// collections all through a log capture, for twice 4.2.5's CPU per GiB (bench scenario 1).
// As large as a widened pipe, so that one read empties it (Node's own reads take 64 KiB at most).
const READ_BUFFER_BYTES = 256 * 1024;
let readBuffer: Buffer | null = null;

/**
 * The daemon's reading end, read non-blocking by libuv, up to 256 KiB at a time, each chunk handed
 * to `handler` as a view of the shared read buffer (valid during the call only). The stream emits
 * no 'data'; it tells 'close', and resume() restarts reading after the handler returned false.
 */
export function readEndStream(pipe: OutputPipe, handler: ChunkHandler): Readable {
  readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
  // onread is documented for every net.Socket (Node >= 12) but typed only on connect()'s options
  const options: net.SocketConstructorOpts & { onread: net.OnReadOpts } = {
    fd: pipe.readFd,
    readable: true,
    writable: false,
    onread: { buffer: readBuffer, callback: (bytes, buffer) => handler((buffer as Buffer).subarray(0, bytes)) },
  };
  return new net.Socket(options);
}

/** Our end of a child's stdin: the write end of a pipe whose read end the child gets as fd 0. */
export function stdinStream(writeFd: number): Writable {
  return new net.Socket({ fd: writeFd, readable: false, writable: true });
}
