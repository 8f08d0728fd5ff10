// memory_limit (beyond 4.2.5): a process tree that passes its limit is restarted through its stop
// sequence, with a WARN line naming the figure; PROCESS_MEMORY_LIMIT reaches a childutils listener
// and an in-process plugin; /metrics counts it; a program under its limit is left alone, and its
// tree's memory is in getProcessInfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, makeTempDir, readJsonLines, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { runCtl } from '../ctl/real-daemon.js';
import { getOverSocket, parseMetrics } from '../metrics/scrape.js';

const RPC = `[unix_http_server]\nfile=%(here)s/sv.sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;
const LIMIT = 50 * 1024 * 1024;

interface Info {
  pid: number;
  statename: string;
  rss_kb?: number;
  memory_limit_kb?: number;
}

test('a tree past its memory_limit is restarted and said; listeners, plugins and /metrics see it; one under its limit is left alone', async (t) => {
  const dir = makeTempDir();
  const heard = path.join(dir, 'listener.jsonl');
  const plugged = path.join(dir, 'plugin.jsonl');
  const conf = writeConfig(
    dir,
    `${RPC}[supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n
; the memory is in a child of the shell: the tree counts, not the pid alone
[program:hog]
command=/bin/sh -c '${FIXTURES}/allocate.py 120 & wait'
memory_limit=50MB
stopasgroup=true
startsecs=0

[program:calm]
command=${FIXTURES}/allocate.py 5
memory_limit=200MB
memory_limit_grace=1
startsecs=0

[eventlistener:memory]
command=${FIXTURES}/listener.py
events=PROCESS_MEMORY_LIMIT
environment=RECORD_FILE="${heard}"

[plugin:record]
module=${FIXTURES}/record-events-json.mjs
events=PROCESS_MEMORY_LIMIT
file=${plugged}
`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const socket = path.join(dir, 'sv.sock');

  const warn = await daemon.waitForLog(/WARN memory limit: hog \(pid (\d+)\) uses (\d+) bytes resident \(2 processes\), over its memory_limit of 52428800 bytes; restarting/, 20_000);
  const [, firstPid, rss] = /pid (\d+)\) uses (\d+) bytes/.exec(warn)!;
  assert.ok(Number(rss) > LIMIT, `the figure said is past the limit: ${rss}`);
  // through the stop sequence (SIGTERM to the group), then started again as a new process
  await daemon.waitForLog(new RegExp(`stopped: hog \\(terminated by SIGTERM\\)[\\s\\S]*spawned: 'hog' with pid (?!${firstPid}\\b)\\d+`), 20_000);

  await waitFor(() => readJsonLines(heard).length >= 1 && readJsonLines<Record<string, unknown>>(plugged).length >= 1, 20_000, 'the event at the listener and the plugin');
  const listened = readJsonLines<{ eventname: string; fields: Record<string, string> }>(heard)[0]!;
  assert.equal(listened.eventname, 'PROCESS_MEMORY_LIMIT');
  assert.deepEqual(listened.fields, { processname: 'hog', groupname: 'hog', pid: firstPid, rss, limit: String(LIMIT) });
  const plugin = readJsonLines<Record<string, unknown>>(plugged)[0]!;
  assert.equal(plugin.type, 'PROCESS_MEMORY_LIMIT');
  assert.equal(plugin.pid, Number(firstPid));
  assert.equal(plugin.rss, Number(rss));
  assert.equal(plugin.limit, LIMIT);

  // the program under its limit: never restarted, its memory reported
  const calm = (await rpcCall(socket, 'supervisor.getProcessInfo', ['calm'])) as unknown as Info;
  assert.equal(calm.statename, 'RUNNING');
  assert.equal(calm.memory_limit_kb, 200 * 1024);
  assert.ok(calm.rss_kb !== undefined && calm.rss_kb > 5 * 1024 && calm.rss_kb < 200 * 1024, `calm's rss_kb: ${calm.rss_kb}`);
  assert.doesNotMatch(daemon.mainLog(), /memory limit: calm/);
  // status --json carries them; a program without memory_limit gets 4.2.5's struct, nothing added
  const ctl = await runCtl('ours', ['-c', conf, 'status', '--json'], { cwd: dir });
  assert.ok(ctl.stdout.startsWith('{'), `status --json: ${ctl.stdout}${ctl.stderr}`);
  const json = JSON.parse(ctl.stdout) as { processes: (Info & { namespec: string })[] };
  const calmJson = json.processes.find((p) => p.namespec === 'calm')!;
  assert.equal(calmJson.memory_limit_kb, 200 * 1024);
  assert.ok(calmJson.rss_kb !== undefined && calmJson.rss_kb > 5 * 1024);
  const listenerJson = json.processes.find((p) => p.namespec === 'memory')!;
  assert.ok(!('rss_kb' in listenerJson) && !('memory_limit_kb' in listenerJson));
  assert.equal((daemon.mainLog().match(/spawned: 'calm'/g) ?? []).length, 1, 'calm was started once');

  const metrics = parseMetrics((await getOverSocket(socket, '/metrics')).body);
  assert.ok((metrics.value('supervisor_process_memory_limit_restarts_total', { group: 'hog', process: 'hog' }) ?? 0) >= 1);
  assert.equal(metrics.value('supervisor_process_memory_limit_restarts_total', { group: 'calm', process: 'calm' }), 0);
  assert.equal(metrics.value('supervisor_process_memory_limit_bytes', { group: 'calm', process: 'calm' }), 200 * 1024 * 1024);
  assert.ok((metrics.value('supervisor_process_memory_rss_bytes', { group: 'calm', process: 'calm' }) ?? 0) > 5 * 1024 * 1024);
  assert.ok((metrics.value('supervisor_events_published_total', { type: 'PROCESS_MEMORY_LIMIT' }) ?? 0) >= 1);
  assert.equal(metrics.find('supervisor_process_memory_limit_bytes', { group: 'memory', process: 'memory' }), undefined, 'no limit, no series');
});

test('memory_limit_grace: a tree past its limit for less than the grace is left alone', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(
    dir,
    `${RPC}
[program:spiky]
command=${FIXTURES}/allocate.py 80
memory_limit=50MB
memory_limit_grace=3600
startsecs=0
`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  const socket = path.join(dir, 'sv.sock');
  await daemon.waitForLog(/success: spiky entered RUNNING state/);
  // past the limit for several samples
  for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const info = (await rpcCall(socket, 'supervisor.getProcessInfo', ['spiky'])) as unknown as Info;
    if ((info.rss_kb ?? 0) > 80 * 1024) break;
    assert.ok(Date.now() < deadline, `spiky allocated: ${JSON.stringify(info)}`);
  }
  await new Promise((r) => setTimeout(r, 2500));
  assert.doesNotMatch(daemon.mainLog(), /memory limit: spiky/);
  assert.equal((daemon.mainLog().match(/spawned: 'spiky'/g) ?? []).length, 1);
});
