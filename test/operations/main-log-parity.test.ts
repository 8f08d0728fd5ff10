// What the main log says around a log rotation (SIGUSR2) and at shutdown ("waiting for ... to
// die"), side by side with the real supervisord 4.2.5 on the same config.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../helpers/daemon.js';
import { runCtl, startParityPair, type ParityDaemon } from '../helpers/parity.js';

/** The message of each main log line, without the timestamp and level ("2026-01-01 10:00:00,123 INFO "). */
function messages(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\S+ \S+ [A-Z]+ /, '').replace(/pid \d+/g, 'pid N'));
}

test('SIGUSR2: "received SIGUSR2" and "supervisord logreopen" go into the old file, the new one starts with what follows, as in 4.2.5', async () => {
  const pair = await startParityPair('[program:idle]\ncommand=sleep 1000\nautostart=false\nstartsecs=0\n');
  try {
    const rotate = async (daemon: ParityDaemon): Promise<{ old: string[]; fresh: string[] }> => {
      const log = path.join(daemon.dir, 'supervisord.log');
      fs.renameSync(log, `${log}.1`);
      daemon.child.kill('SIGUSR2');
      const said = (): boolean => [log, `${log}.1`].some((f) => messages(f).includes('supervisord logreopen'));
      await waitFor(() => said() && fs.existsSync(log), 15_000, `${daemon.kind}: the reopen`);
      // a line written after the reopen: everything the reopen wrote is in place by then
      await runCtl(daemon, ['start', 'idle']);
      await waitFor(() => messages(log).some((m) => m.startsWith('success: idle')), 15_000, `${daemon.kind}: the start after the reopen`);
      return { old: messages(`${log}.1`), fresh: messages(log) };
    };
    const [ours, reference] = await Promise.all([rotate(pair.ours), rotate(pair.reference)]);
    const tail = ['received SIGUSR2 indicating log reopen request', 'supervisord logreopen'];
    assert.deepEqual(reference.old.slice(-2), tail, 'the reference itself');
    assert.deepEqual(ours.old.slice(-2), tail);
    assert.deepEqual(ours.fresh, reference.fresh);
  } finally {
    await pair.stop();
  }
});

// Groups of differing priorities (ties broken by name), a [group:x] whose programs= order is not
// their priority order, numprocs, and an update that changes one group and adds another.
const PROGRAMS = (twins: number, added: string): string => `
[program:late]
command=sleep 1000
priority=300

[program:early]
command=sleep 1000
priority=100

[program:twin]
command=sleep 1000
numprocs=${twins}
process_name=%(program_name)s_%(process_num)d
priority=100

[program:z]
command=sleep 1000
priority=5

[program:y]
command=sleep 1000
priority=1

[group:mid]
programs=z,y
priority=200
${added}`;

test('shutdown: "waiting for a, b, c to die" names the processes in 4.2.5\'s order', async () => {
  const pair = await startParityPair(PROGRAMS(3, ''));
  const waitingLine = async (daemon: ParityDaemon): Promise<string> => {
    // twin changes (a fourth process), first is new: 4.2.5 removes and adds twin, so both go last
    daemon.writeConfig(PROGRAMS(4, '\n[program:first]\ncommand=sleep 1000\npriority=1\n'));
    const update = await runCtl(daemon, ['update']);
    assert.equal(update.code, 0, `${daemon.kind}: ${update.stdout}${update.stderr}`);
    const exited = new Promise((resolve) => daemon.child.once('exit', resolve));
    daemon.child.kill('SIGTERM');
    await exited;
    const line = messages(path.join(daemon.dir, 'supervisord.log')).find((m) => /^waiting for .* to die$/.test(m));
    assert.ok(line, `${daemon.kind} never said whom it waits for:\n${daemon.mainLog()}`);
    return line;
  };
  try {
    const [ours, reference] = await Promise.all([waitingLine(pair.ours), waitingLine(pair.reference)]);
    assert.equal(reference, 'waiting for early, z, y, late, twin_0, twin_1, twin_2, twin_3, first to die', 'the reference itself');
    assert.equal(ours, reference);
  } finally {
    await pair.stop();
  }
});
