// A burst of 20 SIGHUPs while programs run and log, after the config file changed.
//
// What a reload does (4.2.5's semantics, kept): SIGHUP is a restart of supervisord in the same pid:
// every program is stopped (stopsignal, reverse priority order), the log files are closed, the
// config file is read again, and every autostart program is started afresh (new pids, counters
// from zero). A SIGHUP that arrives while the stop is under way is merged into that restart; one
// that arrives between two runs makes the next run restart at once. Nothing a child wrote before it
// was stopped is lost: its pipes are read to the end before the files close, and the files are
// reopened in append mode.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, REPO_ROOT, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { assertAnswersRpc, NUMBERED_LINES, readLines, RPC_SECTIONS } from './system.js';

const RECORD_EVENTS = path.join(REPO_ROOT, 'test', 'faults', 'fixtures', 'record-events.mjs');
const HUPS = 20;

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Every line of `ledger` is in `log`, in order; the log may hold one line more per run of the child
 * (written to stdout, then stopped before it reached the ledger): returns how many such extra lines.
 */
function extraLines(log: string[], ledger: string[]): number {
  let j = 0;
  let extra = 0;
  for (const line of log) {
    if (j < ledger.length && line === ledger[j]) j += 1;
    else extra += 1;
  }
  assert.equal(j, ledger.length, `ledger line ${j} (${ledger[j]}) missing from the log`);
  return extra;
}

test(`${HUPS} SIGHUPs in a row: the daemon ends RUNNING with the new config's programs, no line lost in log files or at a plugin, RPC answers`, async () => {
  const dir = makeTempDir('faults-hup-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const events = path.join(dir, 'events');
  const program = (name: string, delay: string): string =>
    `[program:${name}]\ncommand=${NUMBERED_LINES} ${name} ${dir}/${name}.ledger ${delay}\nstdout_logfile=${dir}/${name}.log\nstderr_logfile=NONE\nstartsecs=0\nstopwaitsecs=2\n`;
  const plugin = `[plugin:record]\nmodule=${RECORD_EVENTS}\nevents=PROCESS_LOG,PROCESS_STATE\nfile=${events}\n`;
  const conf = writeConfig(dir, RPC_SECTIONS(socket) + program('a', '0.005') + program('b', '0.02') + program('c', '0.01') + plugin);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    const pid = daemon.child.pid!;
    await waitFor(() => ['a', 'b', 'c'].every((n) => readLines(path.join(dir, `${n}.ledger`)).length >= 10), 15_000, 'the writers to write');

    // the new config: c removed, d added
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(program('c', '0.01'), program('d', '0.01')));
    for (let i = 0; i < HUPS; i++) {
      process.kill(pid, 'SIGHUP');
      // half back to back, half spread over the stop and start of the runs they cause
      if (i >= HUPS / 2) await new Promise((r) => setTimeout(r, 100));
    }
    // settled: the last SIGHUP's restart is done when every program of the new config is RUNNING
    // and no SIGHUP is waiting (the log's last supervisor line is a start, not a received SIGHUP)
    await waitFor(
      () => {
        const log = daemon.mainLog();
        const lastHup = log.lastIndexOf('received SIGHUP');
        const lastStart = log.lastIndexOf('supervisord started with pid');
        return lastStart > lastHup && ['a', 'b', 'd'].every((n) => new RegExp(`success: ${n} entered RUNNING`).test(log.slice(lastStart)));
      },
      30_000,
      'the last restart to finish',
    );
    const info = (await rpcCall(socket, 'supervisor.getAllProcessInfo')) as { name: string; statename: string }[];
    assert.deepEqual(info.map((p) => `${p.name} ${p.statename}`).sort(), ['a RUNNING', 'b RUNNING', 'd RUNNING']);
    assert.equal(daemon.child.pid, pid, 'the same pid throughout');
    const restarts = daemon.mainLog().match(/supervisord started with pid/g)!.length - 1;
    assert.ok(restarts >= 1 && restarts <= HUPS, `${restarts} restarts`);

    const more = readLines(path.join(dir, 'd.ledger')).length;
    await waitFor(() => readLines(path.join(dir, 'd.ledger')).length >= more + 20, 10_000, 'd to write on');
    await rpcCall(socket, 'supervisor.stopAllProcesses');
    await assertAnswersRpc(socket);

    const runs = (name: string): number => daemon.mainLog().match(new RegExp(`spawned: '${name}' with pid`, 'g'))?.length ?? 0;
    const recordedLines = (name: string): number =>
      readLines(events)
        .filter((l) => l.startsWith(`PROCESS_LOG_STDOUT ${name} `))
        .reduce((sum, l) => sum + Number(l.split(' ')[2]), 0);
    for (const name of ['a', 'b', 'c', 'd']) {
      const ledger = readLines(path.join(dir, `${name}.ledger`));
      const logFile = path.join(dir, `${name}.log`);
      // the file gets its last bytes on its way to STOPPED: wait for the count rather than a time
      await waitFor(() => readLines(logFile).length >= ledger.length, 5_000, `${name}.log to hold its ledger`);
      const log = readLines(logFile);
      const extra = extraLines(log, ledger);
      assert.ok(extra <= runs(name), `${name}: ${extra} lines beyond the ledger in ${runs(name)} runs`);
      // the plugin (reloaded with each run) got every line of the file too
      await waitFor(() => recordedLines(name) >= log.length, 5_000, `${name}'s lines at the plugin (${recordedLines(name)} of ${log.length})`);
      assert.equal(recordedLines(name), log.length, `${name}: lines at the plugin = lines in the file`);
    }
    console.log(`sighup burst: ${HUPS} SIGHUPs -> ${restarts} restarts; lines a/b/c/d: ${['a', 'b', 'c', 'd'].map((n) => readLines(path.join(dir, `${n}.log`)).length).join('/')}`);
    assert.ok(runs('a') === restarts + 1, `a ran once per run: ${runs('a')} for ${restarts} restarts`);
    assert.ok(runs('d') >= 1 && runs('c') >= 1);
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});
