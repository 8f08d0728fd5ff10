// What the context gives a plugin to keep things (stateDir) and to count things (metrics), seen
// from outside: the directory's place, mode and life across reloads and restarts, its owner
// check, and the numbers in /metrics, a counter's total carried across a reload.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { getOverSocket, parseMetrics, type Metrics } from '../metrics/scrape.js';
import { PluginMetricsRegistry } from '../../src/plugins/plugin-metrics.js';
import { fixture } from './helpers.js';

const sections = (dir: string, socket: string): string =>
  `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
  `[program:ticker]\ncommand=${path.join(FIXTURES, 'forever.sh')}\nstartsecs=0\n` +
  `[plugin:keeper]\nmodule=${fixture('keeps-state.mjs')}\nevents=PROCESS_STATE\nfile=${dir}/state-path\n`;

async function scrapeUntil(socket: string, check: (m: Metrics) => boolean, what: string): Promise<Metrics> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await getOverSocket(socket, '/metrics').catch(() => undefined);
    const m = answer?.status === 200 ? parseMetrics(answer.body) : undefined;
    if (m && check(m)) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const seen = (m: Metrics): number => m.find('supervisor_plugin_counter_total', { plugin: 'keeper', name: 'events_seen' }) ?? 0;
const starts = (dir: string): number => (fs.existsSync(dir) ? fs.readFileSync(path.join(dir, 'starts'), 'utf8').split('\n').length - 1 : 0);

test('stateDir outlives reloads and restarts, is the instance\'s own, survives the AUTO log cleanup; metrics reach /metrics', async () => {
  const dir = makeTempDir('sv-plugin-context-');
  const socket = path.join(dir, 'sv.sock');
  const conf = writeConfig(dir, sections(dir, socket));
  const expected = path.join(dir, 'supervisor-ts-state', 'supervisor', 'plugin-keeper');
  let daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    // the file appears empty a moment before the plugin's write lands in it
    await waitFor(() => fs.existsSync(`${dir}/state-path`) && fs.readFileSync(`${dir}/state-path`, 'utf8') !== '', 10_000, 'the plugin to write where its directory is');
    assert.equal(fs.readFileSync(`${dir}/state-path`, 'utf8'), expected);
    assert.equal(fs.statSync(expected).mode & 0o777, 0o700, 'for this supervisord only');
    const before = await scrapeUntil(socket, (m) => seen(m) >= 2 && (m.find('supervisor_plugin_gauge', { plugin: 'keeper', name: 'last_pid' }) ?? 0) > 0, 'STARTING and RUNNING counted');

    daemon.child.kill('SIGHUP');
    await waitFor(() => starts(expected) === 2, 10_000, 'the plugin set up again after the reload');
    // a reloaded plugin counts from 0 again; its total carries on
    await scrapeUntil(socket, (m) => seen(m) > seen(before), 'the count to go on after the reload');

    // another supervisord on the same childlogdir and identifier cannot take the directory
    const other = makeTempDir('sv-plugin-context-other-');
    const otherSocket = path.join(other, 'sv.sock');
    const otherConf = path.join(other, 'supervisord.conf');
    fs.writeFileSync(otherConf, `[supervisord]\nlogfile=${other}/supervisord.log\npidfile=${other}/supervisord.pid\nchildlogdir=${dir}\nnocleanup=true\n\n${sections(other, otherSocket)}`);
    const second = startDaemon(other, ['-n', '-c', otherConf]);
    try {
      await second.waitForLog(new RegExp(`ERRO plugin keeper: setup failed, plugin disabled: ${expected} is in use by another process \\(pid ${daemon.child.pid}\\)`));
    } finally {
      await second.stop();
    }
  } finally {
    await daemon.stop();
  }
  const autoLogs = fs.readdirSync(dir).filter((name) => name.startsWith('ticker-stdout---'));
  assert.ok(autoLogs.length > 0, 'the run left AUTO logs');

  // the next start clears AUTO logs, never the state directory; the dead owner's claim is taken over
  daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await waitFor(() => starts(expected) === 3, 10_000, 'the plugin set up in the new supervisord');
    // the cleanup comes just before the first spawn (runs 1, 2 after the reload, 3 now)
    await waitFor(() => (daemon.mainLog().match(/spawned: 'ticker'/g)?.length ?? 0) >= 3, 10_000, 'the third run to spawn');
    for (const name of autoLogs) assert.ok(!fs.existsSync(path.join(dir, name)), `${name} was cleared`);
  } finally {
    await daemon.stop();
  }
});

test('metric names are checked; asking twice gives the same metric; a counter never goes down', () => {
  const metrics = new PluginMetricsRegistry('p');
  const counter = metrics.counter('records_sent');
  counter.inc();
  counter.inc(4);
  counter.inc(-3);
  assert.equal(metrics.counter('records_sent').value, 5);
  metrics.gauge('bytes_waiting').set(7);
  metrics.gauge('bytes_waiting').set(2);
  assert.equal(metrics.gauge('bytes_waiting').value, 2);
  for (const bad of ['Records', '1st', 'with-dash', '']) {
    assert.throws(() => metrics.counter(bad), new RegExp(`plugin p: metric name '${bad}' must be lower case letters, digits and _, starting with a letter`));
  }
});
