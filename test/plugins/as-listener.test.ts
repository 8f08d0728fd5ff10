// One plugin API, two transports: the same stdout-prefix options as [plugin:x] and as an
// [eventlistener:x] command through the listener SDK give the same lines on supervisord's stdout.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, makeTempDir, REPO_ROOT, waitFor, writeConfig } from '../helpers/daemon.js';
import { ForwardReceiver } from './forward-receiver.js';
import { fixture, MAIN_LOG_LINE, startWithStdout } from './helpers.js';

const PROGRAMS = ['alpha', 'beta', 'gamma'];
const LINES = 2000;
const RUN_AS_LISTENER = path.join(REPO_ROOT, 'dist', 'plugins', 'run-as-listener.js');
const FORMAT = '{program} {stream} | {line}';

function programs(): string {
  // stdout_events_enabled: 4.2.5's rule for which programs' lines reach a listener pool
  return PROGRAMS.map((name) => `[program:${name}]\ncommand=${process.execPath} ${fixture('spam-lines.mjs')} ${name} ${LINES}\nstartsecs=0\nautorestart=false\nstdout_events_enabled=true\n`).join('\n');
}

async function prefixedLines(pluginSection: string): Promise<string[]> {
  const dir = makeTempDir('sv-plugin-transport-');
  const conf = writeConfig(dir, `${programs()}\n${pluginSection}`);
  const daemon = startWithStdout(dir, ['-n', '-c', conf]);
  const lines = (): string[] => daemon.stdout().split('\n').slice(0, -1).filter((l) => !MAIN_LOG_LINE.test(l));
  try {
    await waitFor(() => lines().length >= PROGRAMS.length * LINES, 30_000, `${PROGRAMS.length * LINES} lines (have ${lines().length})`);
  } finally {
    await daemon.stop();
  }
  return lines();
}

test('stdout-prefix as [plugin:x] and as [eventlistener:x] prints the same lines', async () => {
  const inProcess = await prefixedLines(`[plugin:prefix]\nmodule=stdout-prefix\nformat=${FORMAT}\n`);
  const asListener = await prefixedLines(
    `[eventlistener:prefix]\ncommand=${process.execPath} ${RUN_AS_LISTENER} stdout-prefix "format=${FORMAT}"\nevents=PROCESS_LOG\n` +
      `buffer_overflow=spool\nstderr_logfile=/dev/stdout\nstderr_logfile_maxbytes=0\n`,
  );
  assert.equal(asListener.length, inProcess.length);
  // programs interleave differently from run to run; each program's own lines keep their order
  for (const program of PROGRAMS) {
    const mine = (lines: string[]): string[] => lines.filter((l) => l.startsWith(`${program} `));
    assert.deepEqual(mine(asListener), mine(inProcess), `${program}: same lines in the same order`);
  }
  assert.match(inProcess[0]!, /^(alpha|beta|gamma) stdout \| \1 0 $/);
});

test('webhook and fluentd run as [eventlistener:x] commands with their [plugin:x] options', async () => {
  const posts: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      posts.push(body);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver = new ForwardReceiver();
  await receiver.listen();
  const dir = makeTempDir('sv-plugin-listeners-');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${dir}/sv.sock\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface\n\n[program:keepalive]\ncommand=${path.join(FIXTURES, 'forever.sh')}\n\n` +
      `[program:crasher]\ncommand=/bin/sh -c "echo cannot open database; exit 3"\nstartsecs=1\nstartretries=1\nstdout_events_enabled=true\n\n` +
      `[eventlistener:alerts]\ncommand=${process.execPath} ${RUN_AS_LISTENER} webhook url=${url} on=fatal batch_window=0\nevents=PROCESS_STATE,PROCESS_LOG\n\n` +
      `[eventlistener:ship]\ncommand=${process.execPath} ${RUN_AS_LISTENER} fluentd port=${receiver.port} programs=crasher state_dir=${dir}/ship-state\nevents=PROCESS_LOG\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await waitFor(() => posts.length >= 1, 20_000, 'the FATAL alert');
    await waitFor(() => receiver.events.length >= 2, 10_000, 'the two lines in Fluentd');
  } finally {
    await daemon.stop();
    await receiver.kill();
    await new Promise((resolve) => server.close(resolve));
  }
  const alert = (JSON.parse(posts[0]!) as { alerts: Record<string, unknown>[] }).alerts[0]!;
  assert.equal(alert.kind, 'fatal');
  assert.equal(alert.program, 'crasher');
  assert.deepEqual(alert.last_lines, ['cannot open database', 'cannot open database']);
  // over XML-RPC: getProcessInfo's description, no exit record
  assert.equal(alert.status, 'Exited too quickly (process log may have details)');
  assert.deepEqual(receiver.events.map((e) => [e.tag, e.record.message]), [
    ['supervisor.crasher.stdout', 'cannot open database'],
    ['supervisor.crasher.stdout', 'cannot open database'],
  ]);
});
