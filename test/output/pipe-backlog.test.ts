// How many bytes wait unread in a child's output pipe (ioctl FIONREAD), on real pipes: what a line
// framer needs to know before it flushes a partial line. Once the stream owning the read end is
// closed its descriptor number can be another file's, so the backlog is then null.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { launch, type LaunchRequest } from '../../src/process/launch.js';
import { backlogOf, closeEnd, openPipe, pipeBacklog, readEndStream } from '../../src/process/output-pipes.js';
import { waitFor } from '../helpers/daemon.js';

test('pipeBacklog: 10 bytes written and not read are 10; once read, 0', () => {
  const pipe = openPipe();
  assert.ok(pipe, 'pipe2 is available here');
  try {
    assert.equal(pipeBacklog(pipe.readFd), 0);
    fs.writeSync(pipe.writeFd, Buffer.from('0123456789'));
    assert.equal(pipeBacklog(pipe.readFd), 10);
    assert.equal(fs.readSync(pipe.readFd, Buffer.alloc(64)), 10);
    assert.equal(pipeBacklog(pipe.readFd), 0);
  } finally {
    closeEnd(pipe.readFd);
    closeEnd(pipe.writeFd);
  }
});

test('backlogOf a read stream: counts until the stream is read, null once it is destroyed, even when its fd number is reused', async () => {
  const pipe = openPipe()!;
  fs.writeSync(pipe.writeFd, Buffer.from('0123456789'));
  let received = 0;
  const stream = readEndStream(pipe, (chunk) => {
    received += chunk.length;
    return true;
  });
  const backlog = backlogOf(stream, pipe);
  // libuv reads on a later turn of the event loop
  assert.equal(backlog(), 10);
  await waitFor(() => received === 10, 5000, 'the stream to read the 10 bytes');
  assert.equal(backlog(), 0);
  stream.destroy();
  closeEnd(pipe.writeFd);
  await new Promise((resolve) => stream.once('close', resolve));
  const next = openPipe()!;
  try {
    fs.writeSync(next.writeFd, Buffer.from('01234'));
    // the same number may now be the new pipe's read end; the old stream's backlog must not tell its bytes
    assert.equal(backlog(), null);
  } finally {
    closeEnd(next.readFd);
    closeEnd(next.writeFd);
  }
});

/** Waits for a child's 'exit': the SIGCHLD handler that reaps it does not keep the event loop alive, a timer does. */
async function killAndReap(child: { pid?: number | undefined; once: (event: 'exit', listener: () => void) => unknown }): Promise<void> {
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const exited = new Promise<void>((resolve) => child.once('exit', resolve));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  } finally {
    clearInterval(keepAlive);
  }
}

test('launch passes each pipe backlog through: bytes the daemon has not read yet', async () => {
  const request: LaunchRequest = {
    filename: '/bin/sh',
    // one byte, then (once told on stdin) ten more
    argv: ['sh', '-c', 'printf a; read x; printf 0123456789; exec sleep 100'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    directory: null,
    umask: null,
    uid: null,
    gid: null,
  };
  let first = '';
  // reading stops after the first chunk: what the child writes next stays in the pipe
  const launched = launch(request, {
    stdout: (chunk) => {
      first += chunk.toString();
      return false;
    },
    stderr: () => true,
  });
  const { child } = launched;
  try {
    assert.ok(launched.backlog, 'real pipes here');
    await waitFor(() => first === 'a', 5000, 'the first byte');
    child.stdin!.write('\n');
    await waitFor(() => launched.backlog!.stdout() === 10, 5000, 'ten bytes waiting in the stdout pipe');
    assert.equal(launched.backlog.stderr(), 0);
  } finally {
    await killAndReap(child);
    launched.stdout.destroy();
    launched.stderr?.destroy();
  }
  assert.equal(launched.backlog.stdout(), null);
  assert.equal(launched.backlog.stderr(), null);
});

test('launch with stderr redirected: one pipe, so no stderr backlog', async () => {
  const launched = launch(
    { filename: '/bin/sh', argv: ['sh', '-c', 'exec sleep 100'], env: {}, directory: null, umask: null, uid: null, gid: null },
    { stdout: () => true, stderr: null },
  );
  try {
    assert.equal(launched.stderr, null);
    assert.equal(launched.backlog!.stdout(), 0);
    assert.equal(launched.backlog!.stderr(), null);
  } finally {
    await killAndReap(launched.child);
    launched.stdout.destroy();
  }
});
