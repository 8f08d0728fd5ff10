// webhook against a local HTTP server: a crash loop gives one FATAL alert with its details (JSON
// and Slack templates); batching, the per-program rate limit, retry after a 500 and the HMAC.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import path from 'node:path';
import { FIXTURES, makeTempDir, waitFor, writeConfig } from '../helpers/daemon.js';
import { startWithStdout } from './helpers.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Records every POST; answers each path with the next status of `statuses[path]`, then 200. */
async function startReceiver(statuses: Record<string, number[]> = {}): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = statuses[req.url ?? '']?.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// a long-running program: a supervisord whose children are all FATAL and that serves no socket
// currently exits 13 (its event loop empties), which would end the run before the flush
const KEEPALIVE = `[program:keepalive]\ncommand=${path.join(FIXTURES, 'forever.sh')}\n`;
const CRASHER = `[program:crasher]\ncommand=/bin/sh -c "echo starting up; echo cannot open database >&2; exit 3"\nstartsecs=1\nstartretries=2\nredirect_stderr=true\n`;

test('a crash loop gives one FATAL alert with the exit record and last lines, as JSON and as Slack text', async () => {
  const receiver = await startReceiver();
  const dir = makeTempDir('sv-plugin-webhook-');
  const conf = writeConfig(
    dir,
    `${KEEPALIVE}\n${CRASHER}\n[plugin:alerts]\nmodule=webhook\nurl=${receiver.url}/json\non=fatal\nbatch_window=0\n\n` +
      `[plugin:slack]\nmodule=webhook\nurl=${receiver.url}/slack\ntemplate=slack\non=fatal\nbatch_window=0\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await daemon.waitForLog(/gave up: crasher entered FATAL state/, 20_000);
    await waitFor(() => receiver.received.length >= 2, 10_000, 'two POSTs');
  } finally {
    await daemon.stop();
    await receiver.close();
  }
  const json = receiver.received.filter((r) => r.path === '/json');
  assert.equal(json.length, 1, 'one FATAL alert for the whole crash loop');
  const body = JSON.parse(json[0]!.body) as { alerts: Record<string, unknown>[]; host: string };
  assert.equal(body.alerts.length, 1);
  const alert = body.alerts[0]!;
  assert.equal(alert.kind, 'fatal');
  assert.equal(alert.program, 'crasher');
  assert.equal(alert.state, 'FATAL');
  assert.equal(alert.from_state, 'BACKOFF');
  assert.deepEqual(alert.exit, { exitstatus: 3, signal: null, description: 'exit status 3', expected: false, too_quickly: true, uptime_ms: (alert.exit as { uptime_ms: number }).uptime_ms });
  assert.equal(alert.status, 'Exited too quickly (process log may have details)');
  assert.deepEqual(alert.last_lines, ['starting up', 'cannot open database', 'starting up', 'cannot open database', 'starting up', 'cannot open database']);
  const slack = receiver.received.filter((r) => r.path === '/slack');
  assert.equal(slack.length, 1);
  const text = (JSON.parse(slack[0]!.body) as { text: string }).text;
  assert.match(text, /^\*crasher\* FATAL on .* \(exit status 3; Exited too quickly/);
  assert.match(text, /cannot open database/);
});

test('batching window, per-program rate limit, retry after a 500, HMAC signature', async () => {
  const receiver = await startReceiver({ '/hook': [500] });
  const dir = makeTempDir('sv-plugin-webhook-batch-');
  const secret = 's3cret';
  const conf = writeConfig(
    dir,
    `${KEEPALIVE}\n${CRASHER}\n${CRASHER.replace('crasher', 'crasher2')}\n[plugin:alerts]\nmodule=webhook\nurl=${receiver.url}/hook\non=backoff,fatal\nbatch_window=0.5\nrate_limit=1\nretry_delay=0.2\nsecret=${secret}\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await daemon.waitForLog(/gave up: crasher entered FATAL state/, 20_000);
    await daemon.waitForLog(/gave up: crasher2 entered FATAL state/, 20_000);
    await waitFor(() => receiver.received.length >= 2, 10_000, 'the first POST and its retry');
  } finally {
    // the flush on shutdown sends the count of what the rate limit held back
    await daemon.stop();
    await receiver.close();
  }
  const [first, retry, summary] = receiver.received;
  assert.ok(first && retry && summary, `three POSTs, got ${receiver.received.length}`);
  assert.equal(retry.body, first.body, 'the retry after 500 sends the same batch');
  const batch = JSON.parse(first.body) as { alerts: { kind: string; program: string }[] };
  // both programs enter BACKOFF within the window: one POST holds both alerts
  assert.deepEqual(batch.alerts.map((a) => `${a.program} ${a.kind}`).sort(), ['crasher backoff', 'crasher2 backoff']);
  // each program: 3 BACKOFF and a FATAL, 1 allowed by rate_limit=1
  const held = JSON.parse(summary.body) as { alerts: unknown[]; suppressed: Record<string, number> };
  assert.deepEqual(held.alerts, []);
  assert.deepEqual(held.suppressed, { 'crasher:crasher': 3, 'crasher2:crasher2': 3 });
  assert.equal(receiver.received.length, 3);
  for (const r of receiver.received) {
    assert.equal(r.headers['x-supervisor-signature'], 'sha256=' + crypto.createHmac('sha256', secret).update(r.body).digest('hex'));
  }
  assert.match(daemon.mainLog(), /WARN plugin alerts: POST .*\/hook failed \(HTTP 500\), retrying in 0\.2s/);
});
