// How the daemon opens and closes its HTTP servers: 4.2.5's log lines, a busy port is a usage
// error (exit 2), a stale socket file is replaced, the socket file is removed at exit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';
import { freePort } from '../helpers/parity.js';

const RPC = '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n';

test('servers log their interface and the missing authentication; the socket file goes away at exit', async () => {
  const dir = makeTempDir();
  const port = await freePort();
  const socket = path.join(dir, 'sock');
  // a stale socket file from a previous run: nothing listens on it
  const stale = net.createServer().listen(socket);
  await new Promise((r) => stale.once('listening', r));
  stale.close();
  fs.writeFileSync(socket, '');
  const conf = writeConfig(dir, `[unix_http_server]\nfile=${socket}\n[inet_http_server]\nport=127.0.0.1:${port}\nusername=u\npassword=p\n${RPC}`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/supervisord started with pid/);
    const log = daemon.mainLog();
    assert.equal(log.match(/INFO RPC interface 'supervisor' initialized/g)?.length, 2);
    assert.match(log, /CRIT Server 'unix_http_server' running without any HTTP authentication checking/);
    assert.doesNotMatch(log, /Server 'inet_http_server' running without/);
    assert.match(daemon.output(), new RegExp(`Unlinking stale socket ${socket}`));
    assert.equal(fs.statSync(socket).mode & 0o777, 0o700);
  } finally {
    await daemon.stop();
  }
  assert.equal(fs.existsSync(socket), false);
});

test('a port in use stops the daemon with exit 2 and 4.2.5 message', async () => {
  const dir = makeTempDir();
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const { port } = blocker.address() as net.AddressInfo;
  try {
    const conf = writeConfig(dir, `[inet_http_server]\nport=127.0.0.1:${port}\n${RPC}`);
    const daemon = startDaemon(dir, ['-n', '-c', conf]);
    const { code } = await daemon.exited;
    assert.equal(code, 2);
    assert.match(
      daemon.output(),
      /Error: Another program is already listening on a port that one of our HTTP servers is configured to use\.  Shut this program down first before starting supervisord\.\nFor help, use .*supervisord\.js -h\n/,
    );
  } finally {
    blocker.close();
  }
});
