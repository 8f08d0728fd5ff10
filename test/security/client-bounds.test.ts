// What one client can make the daemon hold: a connection that never sends its request, or sends a
// body slowly without credentials, gives its descriptor back; a page socket (/ws) that stops
// reading is closed instead of buffered without bound. Real daemons, raw sockets, /proc probes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, test } from 'node:test';
import { WebSocket } from 'ws';
import { rpcCallOnce } from '../helpers/rpc-client.js';
import { waitFor } from '../helpers/daemon.js';
import { openFdCount, rssKb } from '../faults/system.js';
import { AUTH_HEADER, startWebDaemon, type WebDaemon } from '../web/web-daemon.js';

const daemons: WebDaemon[] = [];
after(async () => {
  for (const { daemon, dir } of daemons) {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function start(programs = ''): Promise<WebDaemon> {
  const web = await startWebDaemon(programs);
  daemons.push(web);
  return web;
}

/** What each descriptor of `pid` is (socket:[inode], a path...). */
function descriptorTargets(pid: number): Set<string> {
  const targets = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      targets.add(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed while we looked
    }
  }
  return targets;
}

interface RawClient {
  socket: net.Socket;
  /** everything the daemon sent */
  received: () => string;
  /** the daemon closed its side */
  ended: () => boolean;
}

/**
 * A client that sends `first` (possibly nothing) and then neither sends nor closes: it keeps its
 * side of the connection open for as long as the daemon lets it (allowHalfOpen).
 */
function stalledClient(port: number, first: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    let ended = false;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('end', () => (ended = true));
    socket.on('close', () => (ended = true));
    socket.on('error', () => {});
    socket.once('connect', () => {
      if (first !== '') socket.write(first);
      resolve({ socket, received: () => received, ended: () => ended });
    });
    socket.once('error', reject);
  });
}

test('stalled HTTP clients: silent ones get 408 and slow unauthenticated bodies a prompt 401, every descriptor comes back, RPC answers throughout', async () => {
  const { daemon, port, socket } = await start();
  const pid = daemon.child.pid!;
  await rpcCallOnce(socket, 'supervisor.getState');
  // the call's own connection may not be closed yet: what counts is the sockets that are not here now
  const baseline = openFdCount(pid);
  const before = descriptorTargets(pid);
  const newConnections = (): number => [...descriptorTargets(pid)].filter((target) => target.startsWith('socket:') && !before.has(target)).length;

  const silent = await Promise.all(Array.from({ length: 10 }, () => stalledClient(port, '')));
  const partialHeaders = await Promise.all(Array.from({ length: 10 }, () => stalledClient(port, 'GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n')));
  const clients = [...silent, ...partialHeaders];
  try {
    // the daemon holds one descriptor per client, and still answers
    await waitFor(() => newConnections() >= clients.length, 10_000, `${clients.length} connections accepted`);
    assert.equal(((await rpcCallOnce(socket, 'supervisor.getState')) as { statename: string }).statename, 'RUNNING');

    // no credentials, a 1 MiB body announced, a few bytes of it sent
    const slowBodies = await Promise.all(
      Array.from({ length: 10 }, () => stalledClient(port, 'POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: 1048576\r\n\r\n<?xml version="1.0"?>')),
    );
    clients.push(...slowBodies);

    // refused without reading the announced MiB (before: only after all of it, or the request timeout's 5 minutes)
    await waitFor(() => slowBodies.every((c) => c.ended()), 30_000, 'the slow unauthenticated bodies answered and closed');
    for (const client of slowBodies) assert.match(client.received(), /^HTTP\/1\.1 401 Unauthorized\r\n/);

    // those that never finish their headers are answered 408 and their descriptors released, although
    // they keep their own side open (before: half-closed, and held as long as the client wanted)
    await waitFor(() => newConnections() === 0 && openFdCount(pid) <= baseline, 60_000, `the daemon's descriptors back to ${baseline}`);
    for (const client of [...silent, ...partialHeaders]) {
      assert.ok(client.ended(), 'the daemon closed the connection');
      assert.match(client.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    }
    assert.equal(((await rpcCallOnce(socket, 'supervisor.getState')) as { statename: string }).statename, 'RUNNING');
  } finally {
    for (const client of clients) client.socket.destroy();
  }
});

/** Opens /ws over a raw socket and stops reading once the handshake is answered: a page that stopped reading. */
function pausedPage(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let answer = '';
    const onData = (d: Buffer): void => {
      answer += d.toString('latin1');
      if (!answer.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (answer.startsWith('HTTP/1.1 101 ')) resolve(socket);
      else reject(new Error(`upgrade refused: ${answer.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.once('connect', () =>
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${AUTH_HEADER}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    );
  });
}

test('a /ws page that stops reading, with 30 programs flapping, is closed at its bound: the daemon does not grow, a page that reads keeps its connection', async () => {
  // each exits at once and is restarted (at most once a second): four state changes a second each
  const flapping = '[program:flap]\nprocess_name=flap_%(process_num)02d\nnumprocs=30\ncommand=/bin/true\nstartsecs=0\nautorestart=true\nstartretries=1000000\n';
  const { daemon, port } = await start(flapping);
  const pid = daemon.child.pid!;
  const reader = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Authorization: AUTH_HEADER } });
  let readerMessages = 0;
  reader.on('message', () => readerMessages++);
  let readerClosed = false;
  reader.on('close', () => (readerClosed = true));
  await new Promise((resolve, reject) => {
    reader.once('open', resolve);
    reader.once('error', reject);
  });
  // the daemon's memory grows for a while after start (V8 warming up): measure from after that
  await waitFor(() => readerMessages >= 5000, 60_000, 'the flapping under way');
  const before = descriptorTargets(pid);
  const stalled = await pausedPage(port);
  try {
    const rssAtPause = rssKb(pid);
    let rssPeak = rssAtPause;
    const line = await waitFor(
      () => {
        rssPeak = Math.max(rssPeak, rssKb(pid));
        return /WARN web page connection from 127\.0\.0\.1:\d+ closed: it stopped reading \([\d.]+ MiB of updates waiting, the limit is 8\.0 MiB\)/.exec(daemon.mainLog())?.[0];
      },
      150_000,
      'the paused page to be closed',
    );
    assert.ok(line);
    // its connection is cut (it reads no close frame), its descriptor given back
    const pageSockets = (): number => [...descriptorTargets(pid)].filter((target) => target.startsWith('socket:') && !before.has(target)).length;
    await waitFor(() => pageSockets() === 0, 30_000, "the paused page's descriptor released");
    // the bound (8 MiB) plus what Node and V8 keep around it, given back once the page is gone
    // (without the bound the daemon grew by about 1 MiB a second for as long as the page was
    // paused); meanwhile the programs go on flapping and the page that reads gets their changes
    const seen = readerMessages;
    await waitFor(() => rssKb(pid) - rssAtPause < 16 * 1024, 60_000, `RSS back within 16 MiB of ${rssAtPause} KiB (now ${rssKb(pid)} KiB)`);
    await waitFor(() => readerMessages >= seen + 500, 60_000, '500 more updates for the page that reads');
    assert.equal(readerClosed, false, 'the page that reads is not closed');
    assert.ok(rssPeak - rssAtPause < 48 * 1024, `RSS peaked ${rssPeak - rssAtPause} KiB above its level when the page stopped reading`);
  } finally {
    stalled.destroy();
    reader.terminate();
  }
});
