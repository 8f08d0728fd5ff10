// /events: the bus's typed events as JSON over WebSocket, filtered by type and program, behind the
// servers' Basic auth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { FIXTURES, waitFor } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { AUTH_HEADER, startWebDaemon } from './web-daemon.js';

const PROGRAMS =
  `[program:web]\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\nstopsignal=KILL\n` +
  `[program:other]\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\nstopsignal=KILL\n`;

function connect(port: number, query: string, authorization = AUTH_HEADER): { socket: WebSocket; received: Record<string, unknown>[]; opened: Promise<void>; refused: Promise<number> } {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/events${query}`, { headers: { Authorization: authorization } });
  const received: Record<string, unknown>[] = [];
  socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Record<string, unknown>));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const refused = new Promise<number>((resolve) => socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  opened.catch(() => {});
  return { socket, received, opened, refused };
}

test('a ws client on /events receives the PROCESS_STATE events of a restart, in order, for its program only', async () => {
  const { daemon, port, socket } = await startWebDaemon(PROGRAMS);
  try {
    const client = connect(port, '?types=PROCESS_STATE&program=web');
    await client.opened;
    await waitFor(() => client.socket.readyState === WebSocket.OPEN);
    await rpcCall(socket, 'supervisor.stopProcess', ['web']);
    await rpcCall(socket, 'supervisor.startProcess', ['web']);
    await rpcCall(socket, 'supervisor.stopProcess', ['other']);
    const events = await waitFor(() => client.received.length >= 4 && client.received, 10_000, 'four PROCESS_STATE events');
    assert.deepEqual(
      events.map((e) => [e.type, e.from_state]),
      [
        ['PROCESS_STATE_STOPPING', 'RUNNING'],
        ['PROCESS_STATE_STOPPED', 'STOPPING'],
        ['PROCESS_STATE_STARTING', 'STOPPED'],
        ['PROCESS_STATE_RUNNING', 'STARTING'],
      ],
    );
    for (const event of events) {
      assert.equal(event.processname, 'web');
      assert.equal(event.groupname, 'web');
      assert.equal(typeof event.time, 'number');
    }
    assert.equal(typeof events[3]!.pid, 'number');
    client.socket.close();
  } finally {
    await daemon.stop();
  }
});

test('/events sends communication payloads as text, refuses wrong credentials and unknown types', async () => {
  const { daemon, port, socket } = await startWebDaemon(PROGRAMS);
  try {
    const all = connect(port, '?types=REMOTE_COMMUNICATION');
    await all.opened;
    await rpcCall(socket, 'supervisor.sendRemoteCommEvent', ['greeting', 'hello web']);
    const [event] = await waitFor(() => all.received.length >= 1 && all.received, 10_000, 'REMOTE_COMMUNICATION');
    assert.deepEqual({ type: event!.type, commtype: event!.commtype, data: event!.data }, { type: 'REMOTE_COMMUNICATION', commtype: 'greeting', data: 'hello web' });
    all.socket.close();

    const wrong = connect(port, '', `Basic ${Buffer.from('admin:wrong').toString('base64')}`);
    assert.equal(await wrong.refused, 401);
    const anonymous = connect(port, '', '');
    assert.equal(await anonymous.refused, 401);
    const unknown = connect(port, '?types=NOT_A_TYPE');
    assert.equal(await unknown.refused, 400);
  } finally {
    await daemon.stop();
  }
});
