// /metrics of a real daemon: real children writing known lines and bytes, a program restarted a
// known number of times, listener pools and plugins given known numbers of events. Scraped over the
// unix socket and over inet with Basic auth, read with a Prometheus text-format parser; every
// counter must equal what the test did, before and after a SIGHUP reload and `update`s.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { FIXTURES, freePort, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { REFERENCE_SUPERVISORCTL } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { fixture } from '../plugins/helpers.js';
import { getOverInet, getOverSocket, parseMetrics, type Metrics } from './scrape.js';

const USER = 'prom';
const PASSWORD = 'scrape-me';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const LISTENER = path.join(FIXTURES, 'listener.py');

const OUT_LINES = 300;
const ERR_LINES = 120;
// what print-lines-then-wait.sh writes: "out-N\n" lines, "err-N\n" lines, "partial" with no newline
const lineBytes = (prefix: string, n: number): number => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}\n`.length).reduce((a, b) => a + b, 0);
const OUT_BYTES = lineBytes('out', OUT_LINES) + 'partial'.length;
const ERR_BYTES = lineBytes('err', ERR_LINES);
const FAILURES = 2;
const RPC_RESTARTS = 3;
const EVENTS = 5;

function recordedLines(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

test('/metrics counts what the daemon did, over the unix socket and inet with auth, across a reload and updates', async (t) => {
  const dir = makeTempDir('sv-metrics-');
  const socket = path.join(dir, 'supervisor.sock');
  const port = await freePort();
  const record = (name: string): string => path.join(dir, `${name}.jsonl`);
  // writerLines: how many stdout lines the writer prints (changed later for `update`); 0 = no writer
  const body = (writerLines: number): string =>
    `[unix_http_server]\nfile=${socket}\n[supervisorctl]\nserverurl=unix://${socket}\n` +
      `[inet_http_server]\nport=127.0.0.1:${port}\nusername=${USER}\npassword=${PASSWORD}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      (writerLines > 0 ? `[program:writer]\ncommand=${FIXTURES}/print-lines-then-wait.sh ${writerLines} ${ERR_LINES}\nstartsecs=0\n` : '') +
      `[program:flaky]\ncommand=${FIXTURES}/exit-3-n-times.sh ${dir}/flaky.runs ${FAILURES}\nstartsecs=0\nautorestart=unexpected\nexitcodes=0\n` +
      `[program:steady]\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\n` +
      // each member reads its line count from its own env file: one can change alone
      `[program:pair]\ncommand=/bin/sh -c 'exec ${FIXTURES}/print-lines-then-wait.sh "$LINES" 0'\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)s\n` +
      `startsecs=0\nenvironment_file=${dir}/pair-%(process_num)s.env\n` +
      `[eventlistener:ok]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nenvironment=RECORD_FILE="${record('ok')}"\n` +
      `[eventlistener:dropping]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nbuffer_size=2\nbuffer_overflow=drop\nenvironment=MODE="hang-first",RECORD_FILE="${record('dropping')}"\n` +
      `[eventlistener:spooling]\ncommand=${LISTENER}\nevents=REMOTE_COMMUNICATION\nbuffer_size=2\nbuffer_overflow=spool\nbuffer_memory_maxbytes=0\nenvironment=MODE="hang-first",RECORD_FILE="${record('spooling')}"\n` +
      `[plugin:counter]\nmodule=${fixture('count-lines.mjs')}\nevents=REMOTE_COMMUNICATION\nfile=${dir}/counted\n` +
      `[plugin:stuck]\nmodule=${fixture('hangs.mjs')}\nevents=REMOTE_COMMUNICATION\nqueue_size=2\ncall_timeout=120\nflush_timeout=0.1\n`;
  const setPairLines = (num: number, lines: number): void => fs.writeFileSync(path.join(dir, `pair-${num}.env`), `LINES=${lines}\n`);
  setPairLines(0, 10);
  setPairLines(1, 10);
  const conf = writeConfig(dir, body(OUT_LINES));
  const startedAt = Math.floor(Date.now() / 1000);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const scrape = async (): Promise<Metrics> => {
    const answer = await getOverSocket(socket, '/metrics');
    assert.equal(answer.status, 200, answer.body);
    return parseMetrics(answer.body);
  };
  /** scrapes until `check` holds, so waiting is on what /metrics says, never on time */
  const scrapeUntil = async (what: string, check: (m: Metrics) => boolean): Promise<Metrics> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const last = await scrape().catch(() => undefined);
      if (last && check(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- log:\n${daemon.mainLog()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const proc = (group: string) => ({ group, process: group });
  const remote = (n: number): Promise<unknown> => rpcCall(socket, 'supervisor.sendRemoteCommEvent', ['test', `event ${n}`]);

  for (const name of ['writer', 'ok', 'dropping', 'spooling']) await daemon.waitForLog(new RegExp(`success: ${name} entered RUNNING`));
  await scrapeUntil('flaky to end with an expected exit', (m) => m.find('supervisor_process_exits_total', { ...proc('flaky'), kind: 'expected' }) === 1);

  // the first event: both hanging listeners and the stuck plugin hold it, so the next ones queue up
  await remote(1);
  await waitFor(() => recordedLines(record('dropping')) === 1 && recordedLines(record('spooling')) === 1, 10_000, 'the hanging listeners to take event 1');
  await scrapeUntil('the stuck plugin to take event 1', (m) => m.value('supervisor_plugin_events_received_total', { plugin: 'stuck' }) === 1 && m.value('supervisor_plugin_queued_events', { plugin: 'stuck' }) === 0);
  for (let n = 2; n <= EVENTS; n++) await remote(n);
  for (let i = 0; i < RPC_RESTARTS; i++) {
    await rpcCall(socket, 'supervisor.stopProcess', ['steady']);
    await rpcCall(socket, 'supervisor.startProcess', ['steady']);
  }
  const before = await scrapeUntil('every event delivered where it can be', (m) =>
    m.value('supervisor_listener_pool_events_delivered_total', { pool: 'ok' }) === EVENTS && m.value('supervisor_plugin_events_delivered_total', { plugin: 'counter' }) === EVENTS,
  );

  // the children's output, counted as written
  const stream = (s: string) => ({ ...proc('writer'), stream: s });
  assert.equal(before.value('supervisor_process_output_bytes_total', stream('stdout')), OUT_BYTES);
  assert.equal(before.value('supervisor_process_output_lines_total', stream('stdout')), OUT_LINES);
  assert.equal(before.value('supervisor_process_output_bytes_total', stream('stderr')), ERR_BYTES);
  assert.equal(before.value('supervisor_process_output_lines_total', stream('stderr')), ERR_LINES);

  // states: one series per state, 1 for the current one
  const states = (m: Metrics, group: string): Record<string, number> =>
    Object.fromEntries(m.samples('supervisor_process_state').filter((s) => s.labels.group === group).map((s) => [s.labels.state, s.value]));
  assert.deepEqual(states(before, 'writer'), { STOPPED: 0, STARTING: 0, RUNNING: 1, BACKOFF: 0, STOPPING: 0, EXITED: 0, FATAL: 0, UNKNOWN: 0 });
  assert.equal(states(before, 'flaky').EXITED, 1);
  const writerStart = before.value('supervisor_process_start_time_seconds', proc('writer'));
  assert.ok(writerStart >= startedAt && writerStart <= Date.now() / 1000, `start time ${writerStart}`);

  // starts and exits: flaky failed FAILURES times then succeeded; steady was restarted over RPC
  const exits = (m: Metrics, group: string) =>
    Object.fromEntries(['expected', 'unexpected', 'stopped'].map((kind) => [kind, m.value('supervisor_process_exits_total', { ...proc(group), kind })]));
  assert.equal(before.value('supervisor_process_starts_total', proc('flaky')), FAILURES + 1);
  assert.deepEqual(exits(before, 'flaky'), { expected: 1, unexpected: FAILURES, stopped: 0 });
  assert.equal(before.value('supervisor_process_last_exit_code', proc('flaky')), 0);
  assert.equal(before.value('supervisor_process_starts_total', proc('steady')), RPC_RESTARTS + 1);
  assert.deepEqual(exits(before, 'steady'), { expected: 0, unexpected: 0, stopped: RPC_RESTARTS });
  assert.equal(before.value('supervisor_process_last_exit_code', proc('steady')), -1, 'killed by SIGTERM');
  assert.equal(before.find('supervisor_process_last_exit_code', proc('writer')), undefined, 'never exited');

  // the bus: every start of every process was published once as PROCESS_STATE_STARTING
  assert.equal(before.value('supervisor_events_published_total', { type: 'REMOTE_COMMUNICATION' }), EVENTS);
  const allStarts = before.samples('supervisor_process_starts_total').reduce((sum, s) => sum + s.value, 0);
  assert.equal(before.value('supervisor_events_published_total', { type: 'PROCESS_STATE_STARTING' }), allStarts);
  assert.equal(before.value('supervisor_events_published_total', { type: 'PROCESS_COMMUNICATION_STDOUT' }), 0, 'types never published are 0');

  // pools: one delivers all; with buffer_size=2 and a listener holding event 1, two are dropped or spooled
  const pool = (m: Metrics, name: string) => ({
    received: m.value('supervisor_listener_pool_events_received_total', { pool: name }),
    delivered: m.value('supervisor_listener_pool_events_delivered_total', { pool: name }),
    dropped: m.value('supervisor_listener_pool_events_dropped_total', { pool: name }),
    spooledTotal: m.value('supervisor_listener_pool_events_spooled_total', { pool: name }),
    buffered: m.value('supervisor_listener_pool_buffered_events', { pool: name }),
    spooled: m.value('supervisor_listener_pool_spooled_events', { pool: name }),
  });
  assert.deepEqual(pool(before, 'ok'), { received: EVENTS, delivered: EVENTS, dropped: 0, spooledTotal: 0, buffered: 0, spooled: 0 });
  assert.deepEqual(pool(before, 'dropping'), { received: EVENTS, delivered: 0, dropped: 2, spooledTotal: 0, buffered: 2, spooled: 0 });
  assert.deepEqual(pool(before, 'spooling'), { received: EVENTS, delivered: 0, dropped: 0, spooledTotal: 2, buffered: 2, spooled: 2 });
  assert.ok(before.value('supervisor_listener_pool_spool_bytes', { pool: 'spooling' }) > 0);

  // plugins: one handles all; the stuck one holds event 1, queues 2 (queue_size) and drops 2
  const plugin = (m: Metrics, name: string) => ({
    received: m.value('supervisor_plugin_events_received_total', { plugin: name }),
    delivered: m.value('supervisor_plugin_events_delivered_total', { plugin: name }),
    failed: m.value('supervisor_plugin_events_failed_total', { plugin: name }),
    dropped: m.value('supervisor_plugin_events_dropped_total', { plugin: name }),
    droppedLines: m.value('supervisor_plugin_lines_dropped_total', { plugin: name }),
    queued: m.value('supervisor_plugin_queued_events', { plugin: name }),
  });
  assert.deepEqual(plugin(before, 'counter'), { received: EVENTS, delivered: EVENTS, failed: 0, dropped: 0, droppedLines: 0, queued: 0 });
  assert.deepEqual(plugin(before, 'stuck'), { received: EVENTS, delivered: 0, failed: 0, dropped: 2, droppedLines: 0, queued: 2 });

  // the daemon's own process metrics
  assert.ok(before.value('process_resident_memory_bytes') > 0);
  assert.ok(before.families.has('nodejs_heap_size_used_bytes'));

  // inet: the same text behind Basic auth
  assert.equal((await getOverInet(port, '/metrics')).status, 401);
  assert.equal((await getOverInet(port, '/metrics', `Basic ${Buffer.from(`${USER}:wrong`).toString('base64')}`)).status, 401);
  const inet = await getOverInet(port, '/metrics', AUTH);
  assert.equal(inet.status, 200);
  assert.equal(inet.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  const overInet = parseMetrics(inet.body);
  assert.equal(overInet.value('supervisor_process_output_bytes_total', stream('stdout')), OUT_BYTES);
  assert.equal(overInet.value('supervisor_listener_pool_events_dropped_total', { pool: 'dropping' }), 2);
  const head = await getOverSocket(socket, '/metrics', 'HEAD');
  assert.deepEqual([head.status, head.contentType, head.body], [200, 'text/plain; version=0.0.4; charset=utf-8', '']);
  assert.equal((await getOverSocket(socket, '/metrics', 'POST')).status, 405);

  // SIGHUP: a new run with new processes, pools and plugin runners; the counters go on
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.mainLog().match(/supervisord started with pid/g)?.length === 2, 20_000, 'the reload');
  // the writer's last write, a partial line, may be read a moment after its lines: wait for every byte
  const after = await scrapeUntil('the new run to be up', (m) =>
    m.value('supervisor_process_output_lines_total', stream('stdout')) === 2 * OUT_LINES &&
    m.value('supervisor_process_output_bytes_total', stream('stdout')) === 2 * OUT_BYTES &&
    m.value('supervisor_process_output_bytes_total', stream('stderr')) === 2 * ERR_BYTES &&
    m.find('supervisor_process_exits_total', { ...proc('flaky'), kind: 'expected' }) === 2,
  );
  assert.equal(after.value('supervisor_process_output_bytes_total', stream('stdout')), 2 * OUT_BYTES);
  assert.equal(after.value('supervisor_process_starts_total', proc('writer')), 2);
  assert.deepEqual(exits(after, 'writer'), { expected: 0, unexpected: 0, stopped: 1 });
  assert.equal(after.value('supervisor_process_starts_total', proc('flaky')), FAILURES + 2);
  assert.equal(after.value('supervisor_process_starts_total', proc('steady')), RPC_RESTARTS + 2);
  assert.equal(after.value('supervisor_events_published_total', { type: 'REMOTE_COMMUNICATION' }), EVENTS);
  // counters carried over. The pools' events went to the new run's pools (docs/decisions/0004),
  // whose listeners answer now (not their first run): the spooling pool delivers all five; the
  // dropping one took event 1 back and its two buffered behind it into a buffer of 2, so the oldest
  // went as 4.2.5's buffer drops it
  const carried = await scrapeUntil('the carried events to be delivered', (m) =>
    pool(m, 'spooling').delivered === EVENTS && pool(m, 'dropping').delivered === 2,
  );
  assert.deepEqual(pool(carried, 'ok'), { received: EVENTS, delivered: EVENTS, dropped: 0, spooledTotal: 0, buffered: 0, spooled: 0 });
  assert.deepEqual(pool(carried, 'dropping'), { received: EVENTS, delivered: 2, dropped: 3, spooledTotal: 0, buffered: 0, spooled: 0 });
  assert.deepEqual(pool(carried, 'spooling'), { received: EVENTS, delivered: EVENTS, dropped: 0, spooledTotal: 2, buffered: 0, spooled: 0 });
  assert.deepEqual(plugin(after, 'counter'), { received: EVENTS, delivered: EVENTS, failed: 0, dropped: 0, droppedLines: 0, queued: 0 });
  assert.deepEqual(plugin(after, 'stuck'), { received: EVENTS, delivered: 0, failed: 0, dropped: 2, droppedLines: 0, queued: 0 });

  // `update` (4.2.5's supervisorctl): a changed writer is replaced by a new process of the same
  // name, whose counters go on from the old one's; removed, its series go; back, they go on again
  const update = (): Promise<unknown> => promisify(execFile)(REFERENCE_SUPERVISORCTL, ['-c', conf, 'update']);
  writeConfig(dir, body(2 * OUT_LINES));
  await update();
  const updated = await scrapeUntil('the changed writer to print', (m) => m.find('supervisor_process_output_lines_total', stream('stdout')) === 4 * OUT_LINES);
  assert.equal(updated.value('supervisor_process_output_lines_total', stream('stderr')), 3 * ERR_LINES);
  assert.equal(updated.value('supervisor_process_starts_total', proc('writer')), 3);
  assert.deepEqual(exits(updated, 'writer'), { expected: 0, unexpected: 0, stopped: 2 });
  // a granular update: only pair_1 changed, so only it is replaced inside its group
  setPairLines(1, 15);
  await update();
  const member = (name: string) => ({ group: 'pair', process: name });
  const granular = await scrapeUntil('the new pair_1 to print', (m) => m.find('supervisor_process_output_lines_total', { ...member('pair_1'), stream: 'stdout' }) === 10 + 10 + 15);
  assert.equal(granular.value('supervisor_process_starts_total', member('pair_1')), 3, 'autostart, the reload, the update');
  assert.equal(granular.value('supervisor_process_starts_total', member('pair_0')), 2, 'left running by the update');
  assert.equal(granular.value('supervisor_process_output_lines_total', { ...member('pair_0'), stream: 'stdout' }), 20);
  writeConfig(dir, body(0));
  await update();
  await scrapeUntil('the writer series to go', (m) => m.find('supervisor_process_starts_total', proc('writer')) === undefined);
  writeConfig(dir, body(OUT_LINES));
  await update();
  const back = await scrapeUntil('the writer to be back', (m) => m.find('supervisor_process_output_lines_total', stream('stdout')) === 5 * OUT_LINES);
  assert.equal(back.value('supervisor_process_output_bytes_total', stream('stderr')), 4 * ERR_BYTES);
  assert.equal(back.value('supervisor_process_starts_total', proc('writer')), 4);
});
