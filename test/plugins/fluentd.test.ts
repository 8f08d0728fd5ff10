// fluentd against a forward-protocol receiver on 127.0.0.1, killed and restarted mid-stream:
// with ack every line arrives at least once; records carry the documented fields and
// sub-second times; past the buffer (and with no spool) records are dropped, counted, logged.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, makeTempDir, waitFor, writeConfig } from '../helpers/daemon.js';
import { ForwardReceiver } from './forward-receiver.js';
import { fixture, startWithStdout } from './helpers.js';

const LINES = 5000;
// a supervisord whose children all ended and that serves no socket exits today: keep one alive
const KEEPALIVE = `[program:keepalive]\ncommand=${path.join(FIXTURES, 'forever.sh')}\n`;

function shipper(dir: string, pauseMs: number): string {
  return `[program:shipper]\ncommand=${process.execPath} ${fixture('spam-lines.mjs')} shipper ${LINES} ${pauseMs}\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/shipper.log\n`;
}

function lineCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

test('receiver killed and restarted mid-stream: every line arrives (at least once, with ack), via memory and spool', async (t) => {
  const receiver = new ForwardReceiver();
  await receiver.listen();
  const dir = makeTempDir('sv-plugin-fluentd-');
  const conf = writeConfig(
    dir,
    `${KEEPALIVE}\n${shipper(dir, 5)}\n[plugin:ship]\nmodule=fluentd\nport=${receiver.port}\nprograms=shipper\nack_timeout=1\nbuffer_size=1000\nspool_file=${dir}/fluentd.spool\nreconnect_max_delay=0.5\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  const seqs = (): Set<number> => new Set(receiver.events.filter((e) => e.record.program === 'shipper').map((e) => Number(String(e.record.message).split(' ')[1])));
  try {
    await waitFor(() => receiver.events.length >= 700, 20_000, '700 records before the kill');
    await receiver.kill();
    const atKill = seqs().size;
    // the program writes the rest while Fluentd is away: it waits in memory and in the spool
    await waitFor(() => lineCount(path.join(dir, 'shipper.log')) >= LINES, 20_000, 'the program to finish');
    await daemon.waitForLog(/WARN plugin ship: connection to 127\.0\.0\.1:\d+ failed \(.*\): records wait in memory and in the spool, reconnecting/);
    await receiver.listen(receiver.port);
    await waitFor(() => seqs().size >= LINES, 30_000, `all ${LINES} lines (have ${seqs().size})`);
    t.diagnostic(`${atKill} distinct lines before the kill, ${receiver.events.length - seqs().size} resent twice after it`);
  } finally {
    await daemon.stop();
    await receiver.kill();
  }
  const got = seqs();
  for (let seq = 0; seq < LINES; seq++) assert.ok(got.has(seq), `line ${seq} arrived`);
  const sample = receiver.events.find((e) => e.record.message === 'shipper 7 ' + 'x'.repeat(7 * 37))!;
  assert.ok(sample, 'a line arrives as message, whole');
  assert.equal(sample.tag, 'supervisor.shipper.stdout');
  assert.deepEqual(Object.keys(sample.record).sort(), ['group', 'host', 'message', 'pid', 'program', 'stream']);
  assert.equal(sample.record.stream, 'stdout');
  assert.equal(sample.record.group, 'shipper');
  assert.ok(Number(sample.record.pid) > 0);
  assert.ok(receiver.events.some((e) => !Number.isInteger(e.time)), 'event times carry the sub-second part (EventTime)');
  assert.match(daemon.mainLog(), /INFO plugin ship: connected to 127\.0\.0\.1:\d+ again/);
});

test('past the buffer with no spool, records are dropped, counted and logged; state events are records too', async () => {
  const receiver = new ForwardReceiver();
  await receiver.listen();
  const port = receiver.port;
  await receiver.kill();
  const dir = makeTempDir('sv-plugin-fluentd-drop-');
  const conf = writeConfig(dir, `${KEEPALIVE}\n${shipper(dir, 0)}\n[plugin:ship]\nmodule=fluentd\nport=${port}\nbuffer_size=100\nstate_events=true\nack_timeout=1\nreconnect_max_delay=0.2\n`);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await daemon.waitForLog(/WARN plugin ship: buffer and spool full: dropped \d+ records/);
    await waitFor(() => lineCount(path.join(dir, 'shipper.log')) >= LINES, 20_000, 'the program to finish');
    await receiver.listen(port);
    await waitFor(() => receiver.events.length >= 100, 20_000, 'the 100 buffered records');
  } finally {
    await daemon.stop();
    await receiver.kill();
  }
  assert.match(daemon.mainLog(), /INFO plugin ship: ship: flushed, \d+ records dropped in this run/);
  const dropped = Number(/flushed, (\d+) records dropped/.exec(daemon.mainLog())![1]);
  // every record is either delivered or counted as dropped
  const distinct = new Set(receiver.events.map((e) => JSON.stringify([e.tag, e.record])));
  assert.ok(distinct.size + dropped >= LINES, `${distinct.size} delivered + ${dropped} dropped covers the ${LINES} lines and state records`);
  assert.ok(receiver.events.some((e) => e.tag === 'supervisor.shipper.state' && e.record.state === 'STARTING' && e.record.from_state === 'STOPPED'), 'a state record');
});
