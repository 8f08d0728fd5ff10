// The fluentd plugin against a forward receiver that is down when supervisord starts (then comes
// up), that acknowledges slowly (at first later than ack_timeout), and whose connections are reset
// mid-stream: with ack=true every line reaches the receiver at least once (counted as distinct
// line numbers), the program's log file has every line, and the daemon answers RPC throughout;
// still down at shutdown, what was not delivered is kept in the spool for the next start.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { getOverSocket, parseMetrics } from '../metrics/scrape.js';
import { ForwardReceiver } from '../plugins/forward-receiver.js';
import { readSegment, spoolDir, spoolSegments } from '../plugins/spool-files.js';
import { FaultProxy } from './fault-proxy.js';
import { assertAllSeqs, assertAnswersRpc, FOREVER, lineCount, seqsOf, SPAM_LINES, startFaultDaemon, type FaultDaemon } from './helpers.js';
import { mountNamespaceLauncher, mountNamespaceUnavailable, RPC_SECTIONS, seenBy } from './system.js';

const LINES = 3000;

/** A writer of LINES numbered lines (batches of 50, pauseMs apart) shipped to `port`; `{DIR}` in pluginExtra is the daemon's dir. */
function startShipping(prefix: string, port: number, pluginExtra: string, pauseMs: number): FaultDaemon {
  return startFaultDaemon(prefix, (dir) =>
    `[program:keepalive]\ncommand=${FOREVER}\n\n` +
    `[program:spam]\ncommand=${process.execPath} ${SPAM_LINES} spam ${LINES} ${pauseMs}\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/spam.log\n\n` +
    `[plugin:ship]\nmodule=fluentd\nport=${port}\nprograms=spam\nack_timeout=1\nreconnect_max_delay=0.5\n${pluginExtra.replaceAll('{DIR}', dir)}`,
  );
}

const shipped = (receiver: ForwardReceiver): number[] => seqsOf(receiver.events.map((e) => String(e.record.message)), 'spam');
const distinct = (receiver: ForwardReceiver): number => new Set(shipped(receiver)).size;

/** Every line arrived at least once, the log file has them all, RPC answers; then a clean stop with nothing dropped. */
async function assertShippedEverything(daemon: FaultDaemon, receiver: ForwardReceiver, what: string): Promise<void> {
  await waitFor(() => distinct(receiver) >= LINES, 30_000, `${LINES} distinct lines at the receiver (${what}; have ${distinct(receiver)})\n--- log:\n${daemon.mainLog()}`);
  assertAllSeqs(shipped(receiver), LINES, `receiver (${what})`);
  await waitFor(() => lineCount(path.join(daemon.dir, 'spam.log')) >= LINES, 10_000, 'the log file');
  assert.equal(lineCount(path.join(daemon.dir, 'spam.log')), LINES);
  await assertAnswersRpc(daemon);
  await daemon.stop();
  assert.match(daemon.mainLog(), /INFO plugin ship: flushed\n/, 'flushed with no record dropped');
}

test('receiver down when supervisord starts, up once the program has written everything: every line arrives', async (t) => {
  const receiver = new ForwardReceiver();
  const port = await freePort();
  // memory at its minimum: most of what waits goes to the spool
  const daemon = startShipping('fluentd-down', port, 'buffer_max_bytes=65536\n', 2);
  t.after(async () => {
    await daemon.stop();
    await receiver.kill();
  });
  await daemon.waitForLog(/WARN plugin ship: connection to 127\.0\.0\.1:\d+ failed \(.*\): records wait in memory and in the spool \(.*\), reconnecting/);
  await waitFor(() => lineCount(path.join(daemon.dir, 'spam.log')) >= LINES, 20_000, 'the program to finish while Fluentd is down');
  // while it is away the daemon serves RPC as usual
  await assertAnswersRpc(daemon);
  await receiver.listen(port);
  await daemon.waitForLog(/INFO plugin ship: connected to 127\.0\.0\.1:\d+ again/, 10_000);
  await assertShippedEverything(daemon, receiver, 'down at start');
  t.diagnostic(`${receiver.events.length} records for ${LINES} lines`);
});

test('receiver slow to acknowledge (first later than ack_timeout, then within it): every line arrives, resent ones too', async (t) => {
  const receiver = new ForwardReceiver();
  await receiver.listen();
  const proxy = new FaultProxy(receiver.port);
  proxy.plan.replyDelayMs = 1500;
  await proxy.listen();
  const daemon = startShipping('fluentd-slow', proxy.port, '', 20);
  t.after(async () => {
    await daemon.stop();
    await proxy.close();
    await receiver.kill();
  });
  // acks 1.5 s late for an ack_timeout of 1 s: the connection is given up and what it had in flight resent
  await daemon.waitForLog(/WARN plugin ship: connection to 127\.0\.0\.1:\d+ failed \(no acknowledgement within 1s\), \d+ records not acknowledged will be sent again: records wait in memory and in the spool \(.*\), reconnecting/, 15_000);
  await assertAnswersRpc(daemon);
  proxy.plan.replyDelayMs = 300;
  await assertShippedEverything(daemon, receiver, 'slow acks');
  assert.ok(receiver.events.length > LINES, 'chunks whose ack came too late were sent again');
  t.diagnostic(`${receiver.events.length} records for ${LINES} lines`);
});

test('connections reset mid-stream, five times in a row: every line arrives', async (t) => {
  const receiver = new ForwardReceiver();
  await receiver.listen();
  const proxy = new FaultProxy(receiver.port);
  // connections 0..4 are cut after 3..40 KB (mid-entry, RST); the sixth is left alone
  proxy.plan.resetAfter = (n) => (n < 5 ? 3000 + ((n * 7919) % 37_000) : null);
  await proxy.listen();
  const daemon = startShipping('fluentd-reset', proxy.port, '', 10);
  t.after(async () => {
    await daemon.stop();
    await proxy.close();
    await receiver.kill();
  });
  await waitFor(() => proxy.resets >= 5, 20_000, `five resets (have ${proxy.resets})\n--- log:\n${daemon.mainLog()}`);
  await assertShippedEverything(daemon, receiver, 'resets');
  assert.ok(proxy.connections >= 6, 'the client reconnected after each reset');
  t.diagnostic(`${proxy.connections} connections, ${proxy.resets} reset; ${receiver.events.length} records for ${LINES} lines`);
});

test('receiver still down at shutdown: what memory held is written to the spool, and what waits there for the next start is said', async (t) => {
  const port = await freePort();
  const daemon = startShipping('fluentd-down-stop', port, 'buffer_max_bytes=65536\nflush_timeout=1\n', 2);
  t.after(() => daemon.stop());
  await waitFor(() => lineCount(path.join(daemon.dir, 'spam.log')) >= LINES, 20_000, 'the program to finish');
  await assertAnswersRpc(daemon);
  await daemon.stop();
  const log = daemon.mainLog();
  const counted = /WARN plugin ship: flush_timeout reached: (\d+) records not acknowledged by 127\.0\.0\.1:\d+; (\d+) records wait in the spool \((.*)\) for the next start\n/.exec(log);
  assert.ok(counted, `the records left unshipped are counted\n--- log:\n${log}`);
  assert.equal(Number(counted[2]), LINES, 'every line waits for the next start');
  assert.ok(fs.readdirSync(counted[3]!).some((name) => name.endsWith('.spool')), 'the spool is kept for the next start');
});

test('the spool on a full disk (ENOSPC, a small tmpfs as childlogdir): whole records only, what does not fit is dropped and counted, what fits arrives', { skip: mountNamespaceUnavailable() ?? false }, async (t) => {
  const LINES = 20_000;
  const dir = makeTempDir('sv-fault-fluentd-full-');
  const small = path.join(dir, 'small');
  fs.mkdirSync(small);
  const socket = path.join(dir, 'sv.sock');
  const port = await freePort();
  const conf = writeConfig(
    dir,
    RPC_SECTIONS(socket) +
      `[program:spam]\ncommand=${process.execPath} ${SPAM_LINES} spam ${LINES} 1\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/spam.log\n` +
      `[plugin:ship]\nmodule=fluentd\nport=${port}\nprograms=spam\nbuffer_max_bytes=65536\nreconnect_max_delay=0.2\n`,
  );
  // childlogdir (and so the plugin's state directory) on 512 KiB: the disk fills long before spool_max_bytes
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(`childlogdir=${dir}`, `childlogdir=${small}`));
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount -t tmpfs -o size=512k tmpfs ${small}`) });
  const receiver = new ForwardReceiver();
  t.after(async () => {
    await daemon.stop();
    await receiver.kill();
  });
  const line = await daemon.waitForLog(/WARN plugin ship: dropped (\d+) records: the spool in \S+ cannot be written: ENOSPC[^;]*; \d+ dropped in this run\n/, 30_000);
  await waitFor(() => lineCount(path.join(dir, 'spam.log')) >= LINES, 20_000, 'the program to finish');
  // every segment holds whole records: a write cut short by the full disk was taken back
  const spool = seenBy(daemon.child.pid!, spoolDir(small, 'ship'));
  const segments = spoolSegments(spool);
  assert.ok(segments.length > 0);
  for (const file of segments) assert.equal(readSegment(file).at(-1)?.end ?? 0, fs.statSync(file).size, `${file} ends with a whole record`);
  await assertAnswersRpc({ ...daemon, socket });

  await receiver.listen(port);
  const scrape = async (): Promise<{ dropped: number; buffered: number; spooled: number }> => {
    const m = parseMetrics((await getOverSocket(socket, '/metrics')).body);
    const of = (family: string, name: string): number => m.find(family, { plugin: 'ship', name }) ?? 0;
    return { dropped: of('supervisor_plugin_counter_total', 'records_dropped'), buffered: of('supervisor_plugin_gauge', 'buffer_bytes'), spooled: of('supervisor_plugin_gauge', 'spool_bytes') };
  };
  let last = await scrape();
  const deadline = Date.now() + 30_000;
  while (last.buffered > 0 || last.spooled > 0) {
    assert.ok(Date.now() < deadline, `memory and spool to be emptied: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await scrape();
  }
  const delivered = new Set(shipped(receiver)).size;
  assert.equal(delivered + last.dropped, LINES, `every line delivered (${delivered}) or counted as dropped (${last.dropped})`);
  assert.ok(Number(/dropped (\d+) records/.exec(line)![1]) > 0);
  await assertAnswersRpc({ ...daemon, socket });
  t.diagnostic(`${delivered} delivered, ${last.dropped} dropped on a 512 KiB spool`);
});
