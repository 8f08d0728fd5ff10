// supervisorctl's HTTP client (src/ctl/http-connection.ts) against a real unix-socket server that
// answers each request with scripted bytes: the body framings, a connection the server closed while
// idle, and an error status followed by a reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HttpConnection, HttpConnectionError } from '../../src/ctl/http-connection.js';
import { makeTempDir } from '../helpers/daemon.js';

type Reply = (socket: net.Socket) => void;

/** A server that answers the n-th request it reads (on any connection) with replies[n]. */
async function scriptedServer(replies: Reply[]): Promise<{ socketPath: string; connections: () => number; close: () => Promise<void> }> {
  const dir = makeTempDir('sv-http-conn-');
  const socketPath = path.join(dir, 'sock');
  let next = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let pending = '';
    socket.on('data', (d) => {
      pending += d.toString('latin1');
      // a request is whole once its Content-Length body is in
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        replies[next++]!(socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const HEAD = 'POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\n';
const BODY = Buffer.from('ping');

test('Content-Length (in pieces), chunked and read-until-close bodies; kept-alive connection reused', async (t) => {
  const server = await scriptedServer([
    (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Le');
      setTimeout(() => s.write('ngth: 11\r\n\r\nhello'), 20);
      setTimeout(() => s.write(' world'), 40);
    },
    (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nchunk\r\n3;x=y\r\ned!\r\n0\r\n\r\n'),
    (s) => s.end('HTTP/1.0 200 OK\r\n\r\nuntil close'),
  ]);
  t.after(() => server.close());
  const connection = new HttpConnection(() => net.createConnection({ path: server.socketPath }));
  t.after(() => connection.close());
  const bodies: string[] = [];
  for (let i = 0; i < 3; i++) {
    const response = await connection.request(HEAD, BODY);
    assert.equal(response.status, 200);
    bodies.push(response.body.toString());
  }
  assert.deepEqual(bodies, ['hello world', 'chunked!', 'until close']);
  assert.equal(server.connections(), 1);
});

test('a kept-alive connection the server closed while idle: the request goes again on a new one', async (t) => {
  const server = await scriptedServer([
    (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst'),
    (s) => s.destroy(), // read the request, answered nothing: as a server closing an idle connection
    (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond'),
  ]);
  t.after(() => server.close());
  const connection = new HttpConnection(() => net.createConnection({ path: server.socketPath }));
  t.after(() => connection.close());
  assert.equal((await connection.request(HEAD, BODY)).body.toString(), 'first');
  assert.equal((await connection.request(HEAD, BODY)).body.toString(), 'second');
  assert.equal(server.connections(), 2);
});

test('an error status ends at its headers even when the server then resets; the next request works', async (t) => {
  const server = await scriptedServer([
    (s) => {
      s.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 1000\r\n\r\npartial');
      setTimeout(() => s.resetAndDestroy(), 20);
    },
    (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  ]);
  t.after(() => server.close());
  const connection = new HttpConnection(() => net.createConnection({ path: server.socketPath }));
  t.after(() => connection.close());
  const denied = await connection.request(HEAD, BODY);
  assert.deepEqual([denied.status, denied.reason], [401, 'Unauthorized']);
  // at once: the close of the dropped connection comes while this request is in flight, and must
  // not reach it
  assert.equal((await connection.request(HEAD, BODY)).body.toString(), 'ok');
});

test('a reset after part of the answer, or no server at all, is an error with the errno code', async (t) => {
  const server = await scriptedServer([(s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf');
    setTimeout(() => s.destroy(), 20);
  }]);
  t.after(() => server.close());
  const connection = new HttpConnection(() => net.createConnection({ path: server.socketPath }));
  t.after(() => connection.close());
  await assert.rejects(connection.request(HEAD, BODY), (err: unknown) => err instanceof HttpConnectionError && err.code === 'ECONNRESET' && err.answered);
  const nowhere = new HttpConnection(() => net.createConnection({ path: path.join(path.dirname(server.socketPath), 'missing') }));
  await assert.rejects(nowhere.request(HEAD, BODY), (err: unknown) => err instanceof HttpConnectionError && err.code === 'ENOENT');
});
