// The webhook plugin against an endpoint that answers 500 (for a while, then always) and one that
// never answers: each FATAL alert is delivered after retries, or given up after `retries` and
// logged with its count; meanwhile a program's lines reach its log file, a second webhook to a
// healthy endpoint gets its alerts, RPC answers, and SIGTERM ends the daemon within flush_timeout
// with the alerts it could not send counted in the log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../helpers/daemon.js';
import { assertAllSeqs, assertAnswersRpc, FOREVER, lineCount, seqsOf, SPAM_LINES, startFaultDaemon, type FaultDaemon } from './helpers.js';

const CRASHERS = ['crash_a', 'crash_b', 'crash_c'];
const LINES = 3000;

interface Post {
  status: number | 'no answer';
  programs: string[];
}

/**
 * An HTTP endpoint recording each POST and the FATAL alerts in it; `answer(n)` gives the status of
 * the n-th POST, or null to never answer it (the connection is held open until close()).
 */
async function startEndpoint(answer: (n: number) => number | null): Promise<{ url: string; posts: Post[]; close: () => Promise<void> }> {
  const posts: Post[] = [];
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const status = answer(posts.length);
      const alerts = (JSON.parse(body) as { alerts: { kind: string; program: string }[] }).alerts;
      posts.push({ status: status ?? 'no answer', programs: alerts.filter((a) => a.kind === 'fatal').map((a) => a.program) });
      if (status === null) return void held.add(res);
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    posts,
    close: () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Three programs that go FATAL at once (exit 3 inside startsecs, no retry), a line writer, and the given webhooks. */
function startCrashers(prefix: string, webhooks: string): FaultDaemon {
  return startFaultDaemon(prefix, (dir) =>
    `[program:keepalive]\ncommand=${FOREVER}\n\n` +
    `[program:spam]\ncommand=${process.execPath} ${SPAM_LINES} spam ${LINES} 5\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/spam.log\n\n` +
    CRASHERS.map((name) => `[program:${name}]\ncommand=/bin/sh -c "echo ${name} cannot start; exit 3"\nstartsecs=1\nstartretries=0\n`).join('\n') +
    `\n${webhooks}`,
  );
}

const webhook = (name: string, url: string, extra: string): string => `[plugin:${name}]\nmodule=webhook\nurl=${url}\non=fatal\nbatch_window=0\n${extra}\n`;

const fatalsIn = (posts: readonly Post[], status: Post['status']): string[] => posts.filter((p) => p.status === status).flatMap((p) => p.programs);

/** Alerts given up, as the log counts them. */
function givenUp(log: string, name: string): number {
  return [...log.matchAll(new RegExp(`ERRO plugin ${name}: POST \\S+ failed \\((.*?)\\) after (\\d+) attempts: (\\d+) alerts? dropped`, 'g'))].reduce((n, m) => n + Number(m[3]), 0);
}

/** The program's lines all reach its log file, once each, while the webhook misbehaves. */
async function waitForLines(daemon: FaultDaemon): Promise<void> {
  const file = path.join(daemon.dir, 'spam.log');
  await waitFor(() => lineCount(file) >= LINES, 20_000, `${LINES} lines in the log file (have ${lineCount(file)})`);
  const seqs = seqsOf(fs.readFileSync(file, 'utf8').split('\n'), 'spam');
  assertAllSeqs(seqs, LINES, 'log file');
  assert.equal(seqs.length, LINES);
}

test('an endpoint answering 500 four times, then 200: every FATAL alert is delivered after retries', async (t) => {
  const endpoint = await startEndpoint((n) => (n < 4 ? 500 : 200));
  const daemon = startCrashers('webhook-500', webhook('alerts', endpoint.url, 'retries=5\nretry_delay=0.1'));
  t.after(async () => {
    await daemon.stop();
    await endpoint.close();
  });
  await waitFor(() => CRASHERS.every((c) => fatalsIn(endpoint.posts, 200).includes(c)), 20_000, `a 200 for each FATAL alert (posts: ${JSON.stringify(endpoint.posts)})\n--- log:\n${daemon.mainLog()}`);
  assert.deepEqual(fatalsIn(endpoint.posts, 200).sort(), CRASHERS, 'each alert delivered once');
  assert.equal(fatalsIn(endpoint.posts, 500).length, 4, 'the four refused POSTs were alerts too, each sent again');
  assert.match(daemon.mainLog(), /WARN plugin alerts: POST \S+ failed \(HTTP 500\), retrying in 0\.1s/);
  assert.equal(givenUp(daemon.mainLog(), 'alerts'), 0);
  await waitForLines(daemon);
  await assertAnswersRpc(daemon);
});

test('an endpoint that always answers 500: each alert is sent 1 + retries times, then given up and counted in the log', async (t) => {
  const endpoint = await startEndpoint(() => 500);
  const daemon = startCrashers('webhook-500-always', webhook('alerts', endpoint.url, 'retries=2\nretry_delay=0.1'));
  t.after(async () => {
    await daemon.stop();
    await endpoint.close();
  });
  await waitFor(() => givenUp(daemon.mainLog(), 'alerts') >= CRASHERS.length, 20_000, `${CRASHERS.length} alerts given up\n--- log:\n${daemon.mainLog()}`);
  assert.equal(givenUp(daemon.mainLog(), 'alerts'), CRASHERS.length, 'every alert given up is counted once');
  for (const crasher of CRASHERS) assert.equal(fatalsIn(endpoint.posts, 500).filter((p) => p === crasher).length, 3, `${crasher}'s alert was sent 3 times`);
  assert.match(daemon.mainLog(), /ERRO plugin alerts: POST \S+ failed \(HTTP 500\) after 3 attempts: 1 alert dropped/);
  await waitForLines(daemon);
  await assertAnswersRpc(daemon);
});

test('an endpoint that never answers: requests time out and are given up; lines, another webhook and RPC are unaffected', async (t) => {
  const silent = await startEndpoint(() => null);
  const healthy = await startEndpoint(() => 200);
  const daemon = startCrashers(
    'webhook-silent',
    webhook('silent', silent.url, 'retries=1\nretry_delay=0.1\ntimeout=0.5') + '\n' + webhook('healthy', healthy.url, ''),
  );
  t.after(async () => {
    await daemon.stop();
    await silent.close();
    await healthy.close();
  });
  // the healthy webhook does not wait behind the silent one
  await waitFor(() => CRASHERS.every((c) => fatalsIn(healthy.posts, 200).includes(c)), 20_000, `the healthy endpoint's alerts (${JSON.stringify(healthy.posts)})`);
  await assertAnswersRpc(daemon);
  await waitFor(() => givenUp(daemon.mainLog(), 'silent') >= CRASHERS.length, 20_000, `the silent endpoint's alerts given up\n--- log:\n${daemon.mainLog()}`);
  assert.equal(givenUp(daemon.mainLog(), 'silent'), CRASHERS.length);
  assert.match(daemon.mainLog(), /ERRO plugin silent: POST \S+ failed \(The operation was aborted due to timeout\) after 2 attempts: 1 alert dropped/);
  for (const crasher of CRASHERS) assert.equal(fatalsIn(silent.posts, 'no answer').filter((p) => p === crasher).length, 2, `${crasher}'s alert was sent twice`);
  await waitForLines(daemon);
  await assertAnswersRpc(daemon);
});

test('an endpoint that never answers at shutdown: SIGTERM ends the daemon within flush_timeout, the unsent alerts counted', async (t) => {
  const silent = await startEndpoint(() => null);
  // default timeout (10 s) and retries (5): left alone, the three alerts would take minutes
  const daemon = startCrashers('webhook-silent-stop', webhook('silent', silent.url, 'flush_timeout=1'));
  t.after(async () => {
    await daemon.stop();
    await silent.close();
  });
  await waitFor(() => silent.posts.length >= 1, 20_000, 'the first POST');
  for (const crasher of CRASHERS) await daemon.waitForLog(new RegExp(`gave up: ${crasher} entered FATAL state`));
  await assertAnswersRpc(daemon);
  const started = Date.now();
  await daemon.stop();
  const ms = Date.now() - started;
  t.diagnostic(`stopped ${ms} ms after SIGTERM`);
  assert.ok(ms < 8000, `stopped in ${ms} ms, flush_timeout is 1 s`);
  assert.deepEqual(await daemon.exited, { code: 0, signal: null });
  const counted = /ERRO plugin silent: flush_timeout reached, (\d+) alerts not delivered/.exec(daemon.mainLog());
  assert.ok(counted, `the alerts left unsent are counted\n--- log:\n${daemon.mainLog()}`);
  assert.equal(Number(counted[1]), CRASHERS.length);
});
