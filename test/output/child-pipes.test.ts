// Children write into real pipes (as under 4.2.5), and every pipe is read into one shared buffer:
// the bytes of several children at once must still land whole and in order on every path that
// keeps them (a regular file, a FIFO that pushes back, per-line timestamps, stderr redirected).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const LINES = 200_000;

/** What `seq -f PREFIX%g 1 LINES` prints (%% in the config). */
function expected(prefix: string): string {
  const lines: string[] = [];
  for (let i = 1; i <= LINES; i++) lines.push(`${prefix}${i}`);
  return `${lines.join('\n')}\n`;
}

test("a child's stdout and stderr are pipes, not sockets", async () => {
  const dir = makeTempDir('pipes-kind-');
  dirs.push(dir);
  const conf = writeConfig(
    dir,
    `[program:kind]\ncommand=sh -c 'readlink /proc/self/fd/1; readlink /proc/self/fd/2 >&2'\nautorestart=false\nstartsecs=0\n` +
      `stdout_logfile=%(here)s/out.log\nstderr_logfile=%(here)s/err.log\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/exited: kind \(exit status 0; expected\)/);
  } finally {
    await daemon.stop();
  }
  assert.match(fs.readFileSync(path.join(dir, 'out.log'), 'utf8'), /^pipe:\[\d+\]\n$/);
  assert.match(fs.readFileSync(path.join(dir, 'err.log'), 'utf8'), /^pipe:\[\d+\]\n$/);
});

test('four children at once through the shared read buffer: every byte whole and in order on each path', async () => {
  const dir = makeTempDir('pipes-shared-');
  dirs.push(dir);
  const fifo = path.join(dir, 'slow.fifo');
  execFileSync('mkfifo', [fifo]);
  // opened before the daemon so that its open for writing does not block; read only later, so it pushes back
  const fifoFd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const program = (name: string, command: string, extra: string): string =>
    `[program:${name}]\ncommand=${command}\nautorestart=false\nstartsecs=0\n${extra}\n`;
  const conf = writeConfig(
    dir,
    program('plain', `seq -f a%%g 1 ${LINES}`, 'stdout_logfile=%(here)s/plain.log\nstderr_logfile=NONE') +
      program('slow', `seq -f b%%g 1 ${LINES}`, `stdout_logfile=${fifo}\nstderr_logfile=NONE`) +
      program('stamped', `seq -f c%%g 1 ${LINES}`, 'stdout_logfile=%(here)s/stamped.log\nstdout_logfile_timestamps=true\nstderr_logfile=NONE') +
      program('redirected', `sh -c 'seq -f d%%g 1 ${LINES} >&2'`, 'redirect_stderr=true\nstdout_logfile=%(here)s/redirected.log'),
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  const slow: Buffer[] = [];
  try {
    await daemon.waitForLog(/exited: plain /, 30_000);
    const reader = new net.Socket({ fd: fifoFd, readable: true, writable: false });
    reader.on('data', (chunk: Buffer) => slow.push(chunk));
    await waitFor(() => Buffer.concat(slow).length >= expected('b').length, 30_000, 'the FIFO log to hold every line');
    for (const name of ['slow', 'stamped', 'redirected']) await daemon.waitForLog(new RegExp(`exited: ${name} \\(exit status 0; expected\\)`), 30_000);
    reader.destroy();
  } finally {
    await daemon.stop();
  }
  assert.equal(fs.readFileSync(path.join(dir, 'plain.log'), 'utf8'), expected('a'));
  assert.equal(Buffer.concat(slow).toString(), expected('b'));
  const stamped = fs.readFileSync(path.join(dir, 'stamped.log'), 'utf8').replace(/^\S+ /gm, '');
  assert.equal(stamped, expected('c'));
  assert.equal(fs.readFileSync(path.join(dir, 'redirected.log'), 'utf8'), expected('d'));
});

test("a child writing faster than it is read gets a wider pipe; a quiet child's stays at 64 KiB", async () => {
  const dir = makeTempDir('pipes-wide-');
  dirs.push(dir);
  // F_GETPIPE_SZ (1032) on its own stdout, after a burst of small writes or after none
  const probe = (burst: number): string =>
    `python3 -c "import fcntl, os, sys, time; [os.write(1, b'x' * 19 + b'\\n') for _ in range(${burst})]; time.sleep(0.1); sys.stderr.write(str(fcntl.fcntl(1, 1032)))"`;
  const conf = writeConfig(
    dir,
    `[program:chatty]\ncommand=${probe(200_000)}\nautorestart=false\nstartsecs=0\nstdout_logfile=%(here)s/chatty.out\nstderr_logfile=%(here)s/chatty.err\n` +
      `[program:quiet]\ncommand=${probe(1)}\nautorestart=false\nstartsecs=0\nstdout_logfile=%(here)s/quiet.out\nstderr_logfile=%(here)s/quiet.err\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    for (const name of ['chatty', 'quiet']) await daemon.waitForLog(new RegExp(`exited: ${name} \\(exit status 0; expected\\)`), 30_000);
  } finally {
    await daemon.stop();
  }
  assert.equal(fs.readFileSync(path.join(dir, 'chatty.out'), 'utf8'), `${'x'.repeat(19)}\n`.repeat(200_000));
  assert.equal(fs.readFileSync(path.join(dir, 'chatty.err'), 'utf8'), String(256 * 1024));
  assert.equal(fs.readFileSync(path.join(dir, 'quiet.err'), 'utf8'), String(64 * 1024));
});
