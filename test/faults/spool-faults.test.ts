// A never-drop pool whose spool's disk fills: childlogdir is a tiny tmpfs that exists only for the
// daemon (its own mount namespace), a gated listener holds the pool while a firehose overflows it
// into the spool until ENOSPC. Whatever the disk took is delivered, whatever it refused is counted
// as dropped, lines included: received + dropped = written, and no record torn by a short write
// is ever read back as an event.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { FIXTURES, makeTempDir, readJsonLines, startDaemon } from '../helpers/daemon.js';
import { getOverSocket, parseMetrics } from '../metrics/scrape.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { waitForAsync } from './helpers.js';
import { mountNamespaceLauncher, mountNamespaceUnavailable, RPC_SECTIONS } from './system.js';

const LISTENER = path.join(FIXTURES, 'listener.py');
const FIREHOSE = path.join(FIXTURES, 'firehose.py');

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Recorded {
  data: string | null;
}

async function poolCounts(socket: string) {
  const m = parseMetrics((await getOverSocket(socket, '/metrics')).body);
  const value = (name: string) => m.value(`supervisor_listener_pool_${name}`, { pool: 'l' });
  return {
    received: value('events_received_total'),
    delivered: value('events_delivered_total'),
    dropped: value('events_dropped_total'),
    droppedLines: value('lines_dropped_total'),
    held: value('buffered_events') + value('spooled_events'),
  };
}

test('ENOSPC under a pool spool (a full tmpfs): every line of the firehose is delivered or counted as dropped, none torn', { skip: mountNamespaceUnavailable() ?? false }, async () => {
  const dir = makeTempDir('faults-spool-');
  dirs.push(dir);
  const small = path.join(dir, 'small');
  fs.mkdirSync(small);
  const socket = path.join(dir, 'supervisor.sock');
  const lines = 60_000;
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${small}\n${RPC_SECTIONS(socket)}` +
      // no memory tier: the firehose (1.5 MB) would wait in memory instead of reaching the spool
      `[eventlistener:l]\ncommand=${LISTENER}\nevents=PROCESS_LOG_STDOUT\nstartsecs=0\nbuffer_memory_maxbytes=0\nstderr_logfile=${dir}/listener.err\n` +
      `environment=RECORD_FILE="${dir}/rec.jsonl",GATE="${dir}/gate"\n` +
      `[program:w]\ncommand=${FIREHOSE} ${lines}\nstdout_events_enabled=true\nstdout_logfile=NONE\nstderr_logfile=NONE\nautostart=false\nautorestart=false\nstartsecs=0\n`,
  );
  // 256 KiB of spool for about 1.5 MB of events: the disk refuses most of them, part way through a record
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount -t tmpfs -o size=256k tmpfs ${small}`) });
  try {
    await daemon.waitForLog(/success: l entered RUNNING/);
    await rpcCall(socket, 'supervisor.startProcess', ['w', false]);
    await daemon.waitForLog(/exited: w \(exit status 0; expected\)/, 30_000);
    await daemon.waitForLog(/ERRO pool l cannot spool event \d+, discarding it: .*ENOSPC/);

    fs.writeFileSync(path.join(dir, 'gate'), '');
    // settled: nothing held, and every event taken from the bus was answered or dropped
    let last = {};
    const counts = await waitForAsync(
      async () => {
        const c = await poolCounts(socket);
        last = c;
        return c.held === 0 && c.received === c.delivered + c.dropped && c;
      },
      60_000,
      'the pool to deliver or drop everything it took',
    ).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(last)}\n${daemon.mainLog().split('\n').filter((l) => /ERRO|WARN/.test(l)).join('\n')}`));
    const received = readJsonLines<Recorded>(path.join(dir, 'rec.jsonl')).flatMap((r) => (r.data ?? '').split('\n').slice(0, -1));
    assert.ok(counts.droppedLines > 0, 'the disk filled up');
    assert.equal(received.length + counts.droppedLines, lines, `received ${received.length} + dropped ${counts.droppedLines}`);
    // what arrived is whole lines, in order, each once
    const numbers = received.map((l) => Number(/^line (\d+) of the firehose$/.exec(l)?.[1] ?? NaN));
    for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, `in order: ${received[i - 1]} then ${received[i]}`);
    const log = daemon.mainLog();
    assert.doesNotMatch(log, /SyntaxError|failed/);
    assert.match(log, new RegExp(`ERRO pool l discarded ${counts.dropped} events \\(${counts.droppedLines} output lines\\) while its spool could not take them`));
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});
