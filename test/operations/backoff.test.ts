// The restart policy beyond startretries, read back from the main log's timestamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

/** Epoch ms of each "spawned: 'NAME'" line (the main log's local-time stamps, ms precision). */
function spawnTimes(log: string, name: string): number[] {
  return [...log.matchAll(new RegExp(`^(\\d{4})-(\\d\\d)-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d),(\\d{3}) INFO spawned: '${name}'`, 'gm'))].map(
    ([, y, mo, d, h, mi, s, ms]) => new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, +ms!).getTime(),
  );
}

test('exponential backoff with a cap and retry_forever: waits of 1, 2, 4, 4 s, and never FATAL', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(
    dir,
    `[program:down]
command=/bin/sh -c 'exit 1'
startretries=1
backoff_strategy=exponential
backoff_max_secs=4
retry_forever=true
`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await waitFor(() => spawnTimes(daemon.mainLog(), 'down').length >= 5, 20_000, 'five spawns');
  const log = daemon.mainLog();
  const times = spawnTimes(log, 'down');
  const gaps = times.slice(1, 5).map((time, i) => (time - times[i]!) / 1000);
  const expected = [1, 2, 4, 4];
  gaps.forEach((gap, i) => assert.ok(gap >= expected[i]! && gap < expected[i]! + 0.5, `gap ${i + 1}: ${gap} s, policy says ${expected[i]} s\n${log}`));
  assert.deepEqual(
    [...log.matchAll(/retrying down in (\d+) s \(exponential backoff, attempt (\d+)\)/g)].slice(0, 4).map((m) => [Number(m[1]), Number(m[2])]),
    [[1, 1], [2, 2], [4, 3], [4, 4]],
  );
  assert.doesNotMatch(log, /gave up: down/, 'startretries=1 passed long ago, but it retries forever');
});

test('the default policy is 4.2.5\'s: linear waits and FATAL after startretries, with no extra line', async (t) => {
  const dir = makeTempDir();
  const conf = writeConfig(dir, `[program:down]\ncommand=/bin/sh -c 'exit 1'\nstartretries=2\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/gave up: down entered FATAL state, too many start retries too quickly/);
  const log = daemon.mainLog();
  const times = spawnTimes(log, 'down');
  assert.equal(times.length, 3);
  const gaps = times.slice(1).map((time, i) => (time - times[i]!) / 1000);
  gaps.forEach((gap, i) => assert.ok(gap >= i + 1 && gap < i + 1.5, `gap ${i + 1}: ${gap} s`));
  assert.doesNotMatch(log, /retrying down/);
});

test('restart policy keys are checked at load time', async () => {
  const cases: [string, RegExp][] = [
    ['backoff_strategy=fibonacci', /invalid value for backoff_strategy in section \[program:x\]: 'fibonacci' is not one of linear, exponential/],
    ['backoff_max_secs=0', /invalid value for backoff_max_secs in section \[program:x\]: must be at least 1, got 0/],
    ['retry_forever=always', /invalid value for retry_forever in section \[program:x\]: not a valid boolean value: 'always'/],
  ];
  for (const [keys, message] of cases) {
    const dir = makeTempDir();
    const daemon = startDaemon(dir, ['-n', '-c', writeConfig(dir, `[program:x]\ncommand=/bin/true\n${keys}\n`)]);
    const { code } = await daemon.exited;
    assert.equal(code, 2, keys);
    assert.match(daemon.output(), message);
  }
});
