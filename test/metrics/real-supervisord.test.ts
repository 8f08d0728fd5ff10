// The real supervisord 4.2.5 has no /metrics and answers it with its own 404; ours serves it on the
// same servers, and 4.2.5's own paths (/RPC2 for supervisorctl, /logtail) answer as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIXTURES } from '../helpers/daemon.js';
import { postRpc, runCtl, startParityPair } from '../helpers/parity.js';
import { getOverInet, getOverSocket, parseMetrics } from './scrape.js';

const GET_STATE = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n<params>\n</params>\n</methodCall>\n";

test('4.2.5 answers /metrics 404; ours serves it and keeps /RPC2 and /logtail', async (t) => {
  const pair = await startParityPair(`[program:echo]\ncommand=${FIXTURES}/echo-streams.sh\nstartsecs=0\n`);
  t.after(() => pair.stop());
  const { ours, reference } = pair;

  const theirs = await getOverSocket(reference.socket, '/metrics');
  assert.equal(theirs.status, 404);
  assert.match(theirs.body, /Error code 404/);
  assert.equal((await getOverInet(reference.port, '/metrics')).status, 404);

  for (const answer of [await getOverSocket(ours.socket, '/metrics'), await getOverInet(ours.port, '/metrics')]) {
    assert.equal(answer.status, 200);
    assert.equal(answer.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(parseMetrics(answer.body).value('supervisor_process_starts_total', { group: 'echo', process: 'echo' }), 1);
  }

  for (const daemon of pair.both) {
    const rpc = await postRpc(daemon, GET_STATE);
    assert.equal(rpc.status, 200, daemon.kind);
    assert.match(rpc.body, /<string>RUNNING<\/string>/, daemon.kind);
    const status = await runCtl(daemon, ['status', 'echo']);
    assert.equal(status.code, 0, `${daemon.kind}: ${status.stdout}${status.stderr}`);
    assert.match(status.stdout, /^echo\s+RUNNING/, daemon.kind);
  }
  // /logtail streams; its first bytes are enough
  const tail = await fetch(`http://127.0.0.1:${ours.port}/logtail/echo/stdout`);
  assert.equal(tail.status, 200);
  const reader = tail.body!.getReader();
  const first = await reader.read();
  assert.match(Buffer.from(first.value ?? []).toString(), /out-line/);
  await reader.cancel();
});
