// Secure defaults of a running daemon's HTTP servers: the unix socket's mode, the warning for an
// inet server without a password, request size limits (authenticated or not), no way out of the
// log files through /logtail, /download or the asset paths, no XML entity of any kind.
// Entity bombs and deep nesting are also covered in test/rpc/protocol.test.ts and
// test/xmlrpc/codec.test.ts; the declared-size 413 in test/rpc/protocol.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { freePort, makeTempDir, startDaemon, waitFor, writeConfig, type RunningDaemon } from '../helpers/daemon.js';
import { encodeMethodCall } from '../../src/xmlrpc/index.js';
import { rssKb } from '../faults/system.js';

const RPC = '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n';
const USER = 'admin';
const PASSWORD = 'pw';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = makeTempDir('sec-http-');
  dirs.push(dir);
  return dir;
}

/** One request; a streaming answer (/logtail) is cut once it holds `until` or 4 KiB. */
function request(port: number, target: string, options: { auth?: string; method?: string; body?: string; headers?: Record<string, string>; until?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', auth: options.auth ?? `${USER}:${PASSWORD}`, headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString('latin1');
        if (body.length > 4096 || (options.until !== undefined && body.includes(options.until))) res.destroy();
      });
      const done = (): void => resolve({ status: res.statusCode ?? 0, body });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Sends a request declaring a 1 GiB body and keeps writing until the server answers and closes;
 * returns the status line and how many MiB got out before that.
 */
function flood(port: number, authorization: string | null): Promise<{ statusLine: string; sentMiB: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const block = Buffer.alloc(1 << 20, 0x61);
    let sent = 0;
    let answer = '';
    socket.on('connect', () => {
      socket.write(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}Content-Length: ${1 << 30}\r\n\r\n`);
      const pump = (): void => {
        while (sent < 1 << 30 && !socket.destroyed) {
          sent += block.length;
          if (!socket.write(block)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ statusLine: answer.split('\r\n')[0] ?? '', sentMiB: sent >> 20 }));
  });
}

describe('a daemon with an authenticated inet server and a unix socket', () => {
  let daemon: RunningDaemon;
  let port: number;
  let dir: string;
  before(async () => {
    dir = tempDir();
    port = await freePort();
    const conf = writeConfig(
      dir,
      `[inet_http_server]\nport=127.0.0.1:${port}\nusername=${USER}\npassword=${PASSWORD}\n[unix_http_server]\nfile=${dir}/sock\n${RPC}` +
        `[program:app]\ncommand=/bin/sh -c "echo app output; exec sleep 1000"\nstdout_logfile=${dir}/app.log\nstartsecs=0\n`,
    );
    // umask 000: the socket's mode must not depend on the umask the daemon was started with
    daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: ['sh', '-c', 'umask 000; exec "$@"', 'sh'] });
    await daemon.waitForLog(/success: app entered RUNNING state/);
  });
  after(async () => {
    await daemon?.stop();
  });

  async function stillServes(): Promise<void> {
    const answer = await request(port, '/RPC2', { method: 'POST', body: encodeMethodCall('supervisor.getState'), headers: { 'Content-Type': 'text/xml' } });
    assert.match(answer.body, /<string>RUNNING<\/string>/);
  }

  test('the unix socket is 0700 (the default chmod) even under umask 000', () => {
    assert.equal(fs.statSync(path.join(dir, 'sock')).mode & 0o777, 0o700);
  });

  test('no way out of the log files: /logtail, /download and the asset paths only serve what they name', async () => {
    const secret = fs.readFileSync('/etc/passwd', 'latin1').split('\n')[0]!;
    const packageName = '"name": "supervisor-ts"';
    const attempts = [
      '/logtail/../../etc/passwd',
      '/logtail/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/logtail/app/../../../../etc/passwd',
      '/logtail/app/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/logtail/%2fetc%2fpasswd',
      '/download?processname=../../../../etc/passwd',
      '/download?processname=%2fetc%2fpasswd&channel=stdout',
      '/assets/../../package.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/%2e%2e/package.json',
    ];
    for (const target of attempts) {
      const answer = await request(port, target);
      assert.equal(answer.status, 404, `${target} answered ${answer.status}`);
      assert.ok(!answer.body.includes(secret) && !answer.body.includes(packageName), `${target} leaked a file`);
    }
    // /stylesheets/* and /images/* answer our one stylesheet and logo whatever follows (4.2.5's
    // paths), never another file
    for (const target of ['/stylesheets/..%2f..%2f..%2fpackage.json', '/images/..%2f..%2f..%2f..%2fpackage.json']) {
      const answer = await request(port, target);
      assert.ok(!answer.body.includes(packageName) && !answer.body.includes(secret), `${target} leaked a file`);
    }
    // the real names still work
    assert.match((await request(port, '/logtail/app', { until: 'app output' })).body, /app output/);
    assert.match((await request(port, '/download?processname=app')).body, /app output/);
    await stillServes();
  });

  test('request sizes: a body over 4 MiB is refused before it is read, with or without credentials; no length or huge headers are refused', async () => {
    const rssBefore = rssKb(daemon.child.pid!);
    // each is answered while the client still writes its body: a client busy writing may see the
    // close (EPIPE) before it reads the answer, so an empty status line also counts as refused
    const unauthenticated = await flood(port, null);
    assert.match(unauthenticated.statusLine, /^(?:HTTP\/1\.1 401 |$)/);
    const wrong = await flood(port, `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}`);
    assert.match(wrong.statusLine, /^(?:HTTP\/1\.1 401 |$)/);
    const authenticated = await flood(port, `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
    assert.match(authenticated.statusLine, /^(?:HTTP\/1\.1 413 |$)/);
    // the connection is closed well before the declared GiB got out
    for (const { sentMiB } of [unauthenticated, wrong, authenticated]) assert.ok(sentMiB < 256, `${sentMiB} MiB sent before the close`);
    assert.ok(rssKb(daemon.child.pid!) - rssBefore < 64 * 1024, 'the bodies were not kept');

    const chunked = await request(port, '/RPC2', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/xml' }, body: encodeMethodCall('supervisor.getState') });
    assert.equal(chunked.status, 411);
    const bigHeader = await request(port, '/ok.html', { headers: { 'X-Big': 'a'.repeat(64 * 1024) } }).catch(() => ({ status: 400, body: '' }));
    assert.ok(bigHeader.status === 400 || bigHeader.status === 431, `headers over the limit: ${bigHeader.status}`);
    await stillServes();
  });

  test('the page socket (/ws) closes a connection whose message is over its limit (1009) and refuses one without credentials', async () => {
    const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Authorization: authorization } });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => {});
    socket.send('x'.repeat(1024 * 1024));
    assert.equal(await closed, 1009);
    const refused = await new Promise<number>((resolve) => {
      const anonymous = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      anonymous.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      anonymous.once('error', () => resolve(0));
    });
    assert.equal(refused, 401);
    await stillServes();
  });

  test('no XML entity of any kind: an external entity and a parameter entity are refused with 400', async () => {
    for (const body of [
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><methodCall><methodName>supervisor.getPID</methodName><params><param><value>&x;</value></param></params></methodCall>',
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><methodCall><methodName>supervisor.getPID</methodName></methodCall>',
    ]) {
      const answer = await request(port, '/RPC2', { method: 'POST', body, headers: { 'Content-Type': 'text/xml' } });
      assert.equal(answer.status, 400);
      assert.ok(!answer.body.includes('root:'));
    }
    await stillServes();
  });
});

test('an inet server without a password: 4.2.5 configs keep working, loopback gets 4.2.5 line, a network address a loud second CRIT line', async () => {
  const dir = tempDir();
  const [local, network] = [await freePort(), await freePort()];
  const conf = writeConfig(dir, `[inet_http_server]\nport=127.0.0.1:${local}\n[inet_http_server:lan]\nport=*:${network}\n${RPC}`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/supervisord started with pid/);
    const log = daemon.mainLog();
    assert.match(log, /CRIT Server 'inet_http_server' running without any HTTP authentication checking/);
    assert.match(log, /CRIT Server 'inet_http_server:lan' running without any HTTP authentication checking/);
    assert.match(
      log,
      new RegExp(`CRIT Server 'inet_http_server:lan' on 0\\.0\\.0\\.0:${network} accepts requests from the network without a password: anyone who can reach this port can stop, start, signal and read the output of every program`),
    );
    assert.equal(log.match(/accepts requests from the network without a password/g)?.length, 1, 'not for the loopback one');
    // still served without credentials, as in 4.2.5
    for (const port of [local, network]) {
      const answer = await request(port, '/RPC2', { auth: '', method: 'POST', body: encodeMethodCall('supervisor.getState'), headers: { 'Content-Type': 'text/xml' } });
      assert.match(answer.body, /RUNNING/);
    }
  } finally {
    await daemon.stop();
  }
  await waitFor(() => daemon.child.exitCode !== null, 5_000, 'the daemon to exit');
});
