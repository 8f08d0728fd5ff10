// The page's "last exit" cell gives the main log's verdict, as status --json does: an exit during
// startsecs is not expected, even with a code in exitcodes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { waitFor } from '../helpers/daemon.js';
import { AUTH_HEADER, startWebDaemon } from './web-daemon.js';

interface View { name: string; state: string; lastExit: { exitstatus: number; expected: boolean } | null }

test('/ws: a program exiting 0 during startsecs is shown as an unexpected exit, as the main log says', async () => {
  const { daemon, port } = await startWebDaemon(
    `[program:quick]\ncommand=/bin/sh -c "exit 0"\nstartsecs=5\nstartretries=0\nexitcodes=0\nautorestart=false\n`,
  );
  try {
    await daemon.waitForLog(/gave up: quick entered FATAL state/);
    await daemon.waitForLog(/exited: quick \(exit status 0; not expected\)/);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Authorization: AUTH_HEADER } });
    const messages: { type?: string; processes?: View[] }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    const snapshot = await waitFor(() => messages.find((m) => m.type === 'snapshot'), 10_000, 'a snapshot');
    socket.close();
    const quick = snapshot.processes?.find((p) => p.name === 'quick');
    assert.equal(quick?.state, 'FATAL');
    assert.deepEqual([quick?.lastExit?.exitstatus, quick?.lastExit?.expected], [0, false]);
  } finally {
    await daemon.stop();
  }
});
