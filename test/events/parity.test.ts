// One scripted scenario under the real supervisord 4.2.5 and under ours, recorded by the same
// Python childutils listener: start, crash, backoff to FATAL, stop, output lines, capture mode,
// remote communication, TICK_5, group added and removed. Each process's event sequence and
// payload fields (pids aside) must be the same; events about different processes may
// interleave differently (4.2.5 acts on a 1 s loop), so sequences are compared per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, waitFor } from '../helpers/daemon.js';
import { runCtl, startParityPair, type ParityDaemon } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';

interface Recorded {
  serial: number;
  eventname: string;
  fields: Record<string, string>;
  data: string | null;
}

const LISTENER = path.join(FIXTURES, 'listener.py');
const CAPTURE = `/bin/sh -c "printf 'before\\\\n<!--XSUPERVISOR:BEGIN-->hello comm\\\\nline2<!--XSUPERVISOR:END-->'; sleep 100"`;

const PROGRAMS = (extra: string) => `
[eventlistener:rec]
command=${LISTENER}
events=EVENT
buffer_size=1000
environment=RECORD_FILE="{DIR}/events.jsonl"

[program:crash]
command=/bin/sh -c "sleep 3; echo bye; exit 3"
autorestart=false
stdout_events_enabled=true

[program:fail]
command=/nonexistent/bin
startretries=1

[program:comm]
command=${CAPTURE}
stdout_capture_maxbytes=1MB

[program:long]
command=/bin/sleep 100
${extra}`;

function records(daemon: ParityDaemon): Recorded[] {
  const file = path.join(daemon.dir, 'events.jsonl');
  if (!fs.existsSync(file)) return [];
  // the listener may be mid-write: only whole lines count
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as Recorded);
}

/** Per process (or group), the events in order, pids masked; TICKs summarized apart. */
function shape(events: Recorded[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    if (e.eventname.startsWith('TICK_')) continue;
    const key = e.fields.processname ?? e.fields.groupname ?? (e.eventname.startsWith('SUPERVISOR_STATE') ? 'supervisor' : 'remote');
    const fields = Object.entries(e.fields)
      .filter(([k]) => k !== 'pid')
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    (out[key] ??= []).push(`${e.eventname} ${fields}${e.data === null ? '' : ` | ${JSON.stringify(e.data)}`}`);
  }
  return out;
}

test('the same scenario gives a childutils listener the same events under 4.2.5 and under ours', async (t) => {
  const pair = await startParityPair(PROGRAMS(''));
  t.after(() => (process.env.KEEP_PARITY ? undefined : pair.stop()));
  const settled = (d: ParityDaemon) => {
    const names = records(d).map((e) => `${e.eventname} ${e.fields.processname ?? ''}`);
    return names.includes('PROCESS_STATE_FATAL fail') && names.includes('PROCESS_STATE_EXITED crash') && names.includes('PROCESS_COMMUNICATION_STDOUT comm');
  };
  await Promise.all(pair.both.map((d) => waitFor(() => settled(d), 20_000, `${d.kind}: crash EXITED, fail FATAL, comm captured`)));

  for (const d of pair.both) {
    await runCtl(d, ['stop', 'long']);
    await rpcCall(d.socket, 'supervisor.sendRemoteCommEvent', ['mytype', 'some data\nline2 😀']);
    d.writeConfig(PROGRAMS('').replace(/\[program:long\][^[]*$/, '[program:extra]\ncommand=/bin/sleep 100\n'));
    await runCtl(d, ['update']);
  }
  const done = (d: ParityDaemon) => {
    const names = records(d).map((e) => `${e.eventname} ${e.fields.processname ?? e.fields.groupname ?? ''}`);
    return names.includes('PROCESS_STATE_RUNNING extra') && names.some((n) => n.startsWith('TICK_5'));
  };
  await Promise.all(pair.both.map((d) => waitFor(() => done(d), 20_000, `${d.kind}: extra RUNNING and a TICK_5`)));

  const [ours, theirs] = [records(pair.ours), records(pair.reference)];
  assert.deepEqual(shape(ours), shape(theirs));
  // the startup order is fixed in 4.2.5 too: groups added, RUNNING, then the first spawns
  const head = (events: Recorded[]) => events.slice(0, 6).map((e) => `${e.eventname} ${e.fields.groupname ?? ''}`);
  assert.deepEqual(head(ours), head(theirs));
  for (const events of [ours, theirs]) {
    const tick = events.find((e) => e.eventname === 'TICK_5')!;
    assert.equal(Number(tick.fields.when) % 5, 0);
    // serials count up by one: nothing lost, nothing duplicated
    assert.deepEqual(events.map((e) => e.serial), events.map((_, i) => events[0]!.serial + i));
  }
  const remote = ours.find((e) => e.eventname === 'REMOTE_COMMUNICATION')!;
  assert.equal(remote.data, 'some data\nline2 😀', 'a childutils listener reads the emoji payload whole');
});
