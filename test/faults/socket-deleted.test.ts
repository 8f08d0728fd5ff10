// The unix socket file removed under a running daemon (a tmp cleaner, an rm -rf of the run
// directory). 4.2.5 keeps running but nobody can reach it over that path any more; we bind a new
// socket at the same path (mode 0700 as configured) 250 ms after the file goes, keep the connections
// already open on the old one, and SIGUSR2 does the same when the directory itself was replaced.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { freePort, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { decodeResponse, encodeMethodCall, type XmlRpcValue } from '../../src/xmlrpc/index.js';
import { assertAnswersRpc, RPC_SECTIONS } from './system.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** One XML-RPC call through `agent` (keep-alive: the same connection each time) or over TCP with auth. */
function call(target: { socketPath: string; agent: http.Agent } | { port: number; auth: string }, method: string): Promise<XmlRpcValue> {
  const body = encodeMethodCall(method, []);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...('socketPath' in target ? { socketPath: target.socketPath, agent: target.agent } : { host: '127.0.0.1', port: target.port, auth: target.auth }),
        path: '/RPC2',
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(decodeResponse(text) as XmlRpcValue));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('a deleted socket file is bound again (0700), open connections keep working, inet answers throughout', async () => {
  const dir = makeTempDir('faults-sock-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const port = await freePort();
  const conf = writeConfig(dir, `${RPC_SECTIONS(socket)}[inet_http_server]\nport=127.0.0.1:${port}\nusername=u\npassword=p\n[program:sleeper]\ncommand=sleep 1000\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await daemon.waitForLog(/success: sleeper entered RUNNING state/);
    const originalInode = fs.statSync(socket).ino;
    // a client that keeps its connection open across the removal (as supervisorctl's shell does)
    assert.equal((await call({ socketPath: socket, agent }, 'supervisor.getPID')) as number, daemon.child.pid);

    fs.rmSync(socket);
    await daemon.waitForLog(/WARN unix socket .*sock was removed: listening on a new one at the same path/);
    await waitFor(() => fs.existsSync(socket), 5_000, 'the socket file to be back');
    const stat = fs.statSync(socket);
    assert.ok(stat.isSocket());
    assert.notEqual(stat.ino, originalInode);
    assert.equal(stat.mode & 0o777, 0o700, 'the configured (default) mode');

    await assertAnswersRpc(socket);
    assert.equal((await call({ socketPath: socket, agent }, 'supervisor.getPID')) as number, daemon.child.pid, 'the kept-alive connection still answers');
    assert.equal(((await call({ port, auth: 'u:p' }, 'supervisor.getState')) as { statename: string }).statename, 'RUNNING');
    // twice in a row works the same
    fs.rmSync(socket);
    await waitFor(() => fs.existsSync(socket), 5_000, 'the socket file to be back again');
    await assertAnswersRpc(socket);
    assert.equal(daemon.mainLog().match(/was removed: listening on a new one/g)?.length, 2);
  } finally {
    agent.destroy();
    await daemon.stop();
  }
  assert.equal(fs.existsSync(socket), false, 'removed at exit as before');
});

test('the socket directory moved away and made again: SIGUSR2 binds the socket again; a foreign file at the path is left alone', async () => {
  const dir = makeTempDir('faults-sock-');
  dirs.push(dir);
  const run = path.join(dir, 'run');
  fs.mkdirSync(run);
  const socket = path.join(run, 'sock');
  const conf = writeConfig(dir, `${RPC_SECTIONS(socket)}[program:sleeper]\ncommand=sleep 1000\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/success: sleeper entered RUNNING state/);
    fs.renameSync(run, `${run}.old`);
    fs.mkdirSync(run);
    process.kill(daemon.child.pid!, 'SIGUSR2');
    await waitFor(() => fs.existsSync(socket), 5_000, `the socket file to be back:\n${daemon.mainLog()}`);
    await assertAnswersRpc(socket);
    assert.equal(await rpcCall(socket, 'supervisor.getPID'), daemon.child.pid);

    // someone else's file put in its place (rename replaces it in one step): not ours to touch
    fs.writeFileSync(`${socket}.new`, 'not a socket');
    fs.renameSync(`${socket}.new`, socket);
    await daemon.waitForLog(/WARN unix socket .*sock was replaced by a file supervisord did not make: left alone/);
    assert.equal(fs.readFileSync(socket, 'utf8'), 'not a socket');
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
  assert.equal(fs.readFileSync(socket, 'utf8'), 'not a socket', 'not removed at exit either');
});
