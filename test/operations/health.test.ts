// Health checks with real processes: a hung HTTP server is restarted, and the verdicts reach a
// listener (4.2.5's protocol) and an in-process plugin; TCP and command checks; bad keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { expectProgramConfigError, FIXTURES, freePort, makeTempDir, readJsonLines, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { getOverSocket, parseMetrics } from '../metrics/scrape.js';

const RPC = `[unix_http_server]\nfile=%(here)s/sv.sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;

const jsonLines = (file: string): Record<string, any>[] => readJsonLines(file);

test('a hung HTTP server is restarted by its health check; listeners and plugins see UNHEALTHY then HEALTHY', async (t) => {
  const dir = makeTempDir();
  const port = await freePort();
  const hang = path.join(dir, 'hang');
  const heard = path.join(dir, 'listener.jsonl');
  const plugged = path.join(dir, 'plugin.jsonl');
  const conf = writeConfig(
    dir,
    `${RPC}
[program:web]
command=${process.execPath} ${FIXTURES}/hanging-server.mjs
environment=PORT="${port}",HANG_FILE="${hang}"
startsecs=0
healthcheck_http=http://127.0.0.1:${port}/
healthcheck_interval=0.2
healthcheck_timeout=1
healthcheck_retries=2
healthcheck_start_period=30

[eventlistener:health]
command=${FIXTURES}/listener.py
events=PROCESS_HEALTH
environment=RECORD_FILE="${heard}"

[plugin:record]
module=${FIXTURES}/record-events-json.mjs
events=PROCESS_HEALTH
file=${plugged}
`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const socket = path.join(dir, 'sv.sock');

  await daemon.waitForLog(/health check passed: web is healthy \(HTTP 200\)/);
  const before = (await rpcCall(socket, 'supervisor.getProcessInfo', ['web'])) as { pid: number };
  fs.writeFileSync(hang, '');
  await daemon.waitForLog(/health check failed 2 times in a row: web \(no answer within 1 s\); restarting/);
  await waitFor(() => (daemon.mainLog().match(/health check passed: web is healthy/g) ?? []).length === 2, 10_000, 'healthy again');
  const after = (await rpcCall(socket, 'supervisor.getProcessInfo', ['web'])) as { pid: number; statename: string };
  assert.notEqual(after.pid, before.pid, 'a new process');
  assert.equal(after.statename, 'RUNNING');
  assert.ok(!fs.existsSync(hang), 'the hung server consumed the trigger');
  assert.match(daemon.mainLog(), new RegExp(`stopped: web \\(terminated by SIGTERM\\)[\\s\\S]*spawned: 'web' with pid ${after.pid}`));

  const expected = ['PROCESS_HEALTH_HEALTHY', 'PROCESS_HEALTH_UNHEALTHY', 'PROCESS_HEALTH_HEALTHY'];
  await waitFor(() => jsonLines(heard).length === 3 && jsonLines(plugged).length === 3, 10_000, 'three verdicts at both');
  const listened = jsonLines(heard);
  assert.deepEqual(listened.map((e) => e.eventname), expected);
  assert.deepEqual(listened[1]!.fields, { processname: 'web', groupname: 'web', from_state: 'HEALTHY', pid: String(before.pid), failures: '2' });
  assert.equal(listened[1]!.data, 'no answer within 1 s\n');
  const plugin = jsonLines(plugged);
  assert.deepEqual(plugin.map((e) => e.type), expected);
  assert.equal(plugin[1]!.failures, 2);
  assert.equal(plugin[2]!.pid, after.pid);

  // /metrics: the verdict now, and the verdicts so far
  const metrics = parseMetrics((await getOverSocket(socket, '/metrics')).body);
  assert.equal(metrics.value('supervisor_process_healthy', { group: 'web', process: 'web' }), 1);
  assert.equal(metrics.value('supervisor_events_published_total', { type: 'PROCESS_HEALTH_UNHEALTHY' }), 1);
  assert.equal(metrics.value('supervisor_events_published_total', { type: 'PROCESS_HEALTH_HEALTHY' }), 2);
  assert.equal(metrics.find('supervisor_process_healthy', { group: 'health', process: 'health' }), undefined, 'no check, no series');
});

test('a TCP check fails while nothing listens and passes once the port answers; a command check follows its exit status', async (t) => {
  const dir = makeTempDir();
  const port = await freePort();
  const ok = path.join(dir, 'ok');
  // listens only once the file "listen" exists
  const late = path.join(dir, 'late.py');
  fs.writeFileSync(
    late,
    `import os, socket, time\nwhile not os.path.exists('${dir}/listen'): time.sleep(0.05)\n` +
      `s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', ${port})); s.listen(5)\n` +
      `while True: s.accept()[0].close()\n`,
  );
  const conf = writeConfig(
    dir,
    `[program:late]
command=/usr/bin/python3 ${late}
startsecs=0
healthcheck_tcp=127.0.0.1:${port}
healthcheck_interval=0.2
healthcheck_timeout=0.5
healthcheck_retries=1000

[program:filecheck]
command=/bin/sh -c 'while :; do sleep 0.1; done'
startsecs=0
healthcheck_command=test -f ${ok} || { echo "no ${ok}"; exit 1; }
healthcheck_interval=0.2
healthcheck_retries=1000
`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: late entered RUNNING state/);
  await new Promise((r) => setTimeout(r, 600));
  assert.doesNotMatch(daemon.mainLog(), /health check passed/, 'nothing passes before the port and the file exist');
  fs.writeFileSync(path.join(dir, 'listen'), '');
  await daemon.waitForLog(new RegExp(`health check passed: late is healthy \\(connected to 127\\.0\\.0\\.1:${port}\\)`));
  fs.writeFileSync(ok, '');
  await daemon.waitForLog(/health check passed: filecheck is healthy \(exit status 0\)/);
});

test('health check keys are checked at load time, naming the key and section', async () => {
  const cases: [string, RegExp][] = [
    ['healthcheck_http=ftp://x/', /invalid value for healthcheck_http in section \[program:x\]: not an http:\/\/ or https:\/\/ URL: 'ftp:\/\/x\/'/],
    ['healthcheck_tcp=localhost', /invalid value for healthcheck_tcp in section \[program:x\]: not host:port: 'localhost'/],
    ['healthcheck_tcp=a:1\nhealthcheck_command=true', /section \[program:x\] sets healthcheck_tcp and healthcheck_command: a program has one health check/],
    ['healthcheck_interval=5', /healthcheck_interval in section \[program:x\] needs healthcheck_http, healthcheck_tcp or healthcheck_command/],
    ['healthcheck_command=true\nhealthcheck_retries=0', /invalid value for healthcheck_retries in section \[program:x\]: must be at least 1, got 0/],
    ['healthcheck_command=true\nhealthcheck_timeout=soon', /invalid value for healthcheck_timeout in section \[program:x\]: not a number of seconds: 'soon'/],
  ];
  for (const [keys, message] of cases) await expectProgramConfigError(keys, message);
});
