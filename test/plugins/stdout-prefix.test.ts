// stdout-prefix under load: three programs writing interleaved lines at full speed; supervisord's
// stdout must hold only whole lines, each correctly prefixed, and every line of every program.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { SUPERVISORD_BIN, makeTempDir, waitFor, writeConfig } from '../helpers/daemon.js';
import { fixture, MAIN_LOG_LINE, startWithStdout } from './helpers.js';

const PROGRAMS = ['alpha', 'beta', 'gamma'];
const LINES = 20_000;

function programs(dir: string): string {
  return PROGRAMS.map(
    (name) => `[program:${name}]\ncommand=${process.execPath} ${fixture('spam-lines.mjs')} ${name} ${LINES}\nstartsecs=0\nautorestart=false\nstdout_logfile=${dir}/${name}.log\n`,
  ).join('\n');
}

test('three programs at full speed: only whole, prefixed lines, every line accounted for', async () => {
  const dir = makeTempDir('sv-plugin-prefix-');
  const conf = writeConfig(dir, `${programs(dir)}\n[plugin:prefix]\nmodule=stdout-prefix\nformat={program} {stream} | {line}\n`);
  const daemon = startWithStdout(dir, ['-n', '-c', conf]);
  try {
    const total = PROGRAMS.length * LINES;
    const prefixed = (): number => daemon.stdout().split('\n').filter((l) => l.includes(' stdout | ')).length;
    await waitFor(() => prefixed() >= total, 60_000, `${total} prefixed lines (have ${prefixed()})`);
  } finally {
    await daemon.stop();
  }
  const out = daemon.stdout();
  assert.ok(out.endsWith('\n'), 'stdout ends with a whole line');
  const next = new Map(PROGRAMS.map((p) => [p, 0]));
  let mainLogLines = 0;
  for (const line of out.slice(0, -1).split('\n')) {
    if (MAIN_LOG_LINE.test(line)) {
      mainLogLines++;
      continue;
    }
    const m = /^(\w+) stdout \| (\w+) (\d+) (x*)$/.exec(line);
    assert.ok(m, `not a whole prefixed line: ${JSON.stringify(line.slice(0, 200))}`);
    const [, program, name, seq, pad] = m;
    assert.equal(program, name, `line of ${name} prefixed as ${program}`);
    assert.equal(Number(seq), next.get(program!), `${program}: lines out of order or missing before ${seq}`);
    assert.equal(pad!.length, (Number(seq) * 37) % 300, `${program} ${seq}: line cut`);
    next.set(program!, Number(seq) + 1);
  }
  for (const p of PROGRAMS) assert.equal(next.get(p), LINES, `${p}: every line on stdout`);
  assert.ok(mainLogLines > 0, 'the main log lines (-n) are whole lines between the prefixed ones');
});

test('json mode: one object per line with time, program, group, stream, pid, line', async () => {
  const dir = makeTempDir('sv-plugin-json-');
  const conf = writeConfig(
    dir,
    `[program:one]\ncommand=${process.execPath} ${fixture('spam-lines.mjs')} one 100\nstartsecs=0\nautorestart=false\n\n[plugin:json]\nmodule=stdout-prefix\nmode=json\nprograms=one\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await waitFor(() => daemon.stdout().split('\n').length > 100, 20_000, '100 JSON lines');
  } finally {
    await daemon.stop();
  }
  const records = daemon.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(records.length, 100);
  assert.deepEqual(Object.keys(records[0]!), ['time', 'program', 'group', 'stream', 'pid', 'line']);
  assert.equal(records[0]!.program, 'one');
  assert.equal(records[0]!.stream, 'stdout');
  assert.ok(Number(records[0]!.pid) > 0);
  assert.ok(!Number.isNaN(Date.parse(String(records[0]!.time))));
  assert.equal(records[99]!.line, `one 99 ${'x'.repeat((99 * 37) % 300)}`);
});

test('a bad [plugin:x] key stops the start with a clear error (exit 2); on a reload it is logged and skipped', async () => {
  const dir = makeTempDir('sv-plugin-badkey-');
  const good = `[program:one]\ncommand=${process.execPath} ${fixture('spam-lines.mjs')} one 3\nstartsecs=0\nautorestart=false\n\n[plugin:good]\nmodule=stdout-prefix\n`;
  const bad = `\n[plugin:bad]\nmodule=stdout-prefix\ncolour=always\n`;
  const conf = writeConfig(dir, good + bad);
  const refused = spawnSync(process.execPath, [SUPERVISORD_BIN, '-n', '-s', '-c', conf], { encoding: 'utf8', cwd: dir });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^Error: \[plugin:bad\] in .*supervisord\.conf: unknown key 'colour' \(stdout-prefix accepts: color, format, mode, output\)\n/);

  writeConfig(dir, good);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await waitFor(() => daemon.stdout().includes('one | one 2 '), 10_000, 'the good plugin output');
    writeConfig(dir, good + bad);
    daemon.child.kill('SIGHUP');
    const line = await daemon.waitForLog(/plugin not started: .*/);
    assert.match(line, /\[plugin:bad\] in .*supervisord\.conf: unknown key 'colour'/);
    await waitFor(() => (daemon.stdout().match(/one \| one 2 /g) ?? []).length === 2, 10_000, 'the good plugin runs on after the reload');
  } finally {
    await daemon.stop();
  }
});
