// stdout-prefix under load: three programs writing interleaved lines at full speed; supervisord's
// stdout must hold only whole lines, each correctly prefixed, and every line of every program.
// The pieces of a cut line are marked, in text and JSON mode.
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
  assert.match(refused.stderr, /^Error: \[plugin:bad\] in .*supervisord\.conf: unknown key 'colour' \(stdout-prefix accepts: color, cut_marker, format, mode, output\)\n/);

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

test('the pieces of a line longer than log_line_maxbytes, and a line with no newline, are marked in text and JSON mode', async () => {
  const dir = makeTempDir('sv-plugin-prefix-cut-');
  const repeat = 60; // 60 x "abcé": 240 characters, 300 bytes; log_line_maxbytes=100
  const long = 'abcé'.repeat(repeat);
  const conf = writeConfig(
    dir,
    `[program:cutter]\ncommand=${process.execPath} ${fixture('cut-lines.mjs')} ${repeat}\nstdout_logfile=${dir}/cutter.log\nlog_line_maxbytes=100\n\n` +
      `[plugin:text]\nmodule=stdout-prefix\n\n` +
      `[plugin:json]\nmodule=stdout-prefix\nmode=json\n\n` +
      `[plugin:custom]\nmodule=stdout-prefix\nformat={program}> {line} <\ncut_marker=(cut {cut})\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-c', conf]);
  const lines = (): string[] => daemon.stdout().split('\n').slice(0, -1);
  try {
    const partials = (): number => lines().filter((l) => l.includes('waiting for input')).length;
    await waitFor(() => partials() === 3, 20_000, `the partial line from the three plugins (have ${partials()})`);
  } finally {
    await daemon.stop();
  }

  // text: "cutter | PIECE [split]" for each piece that goes on in the next line, the last piece unmarked
  const text = lines().filter((l) => l.startsWith('cutter | ')).map((l) => l.slice('cutter | '.length));
  assert.equal(text.at(-1), 'waiting for input [partial]');
  const pieces = text.slice(0, -1);
  assert.ok(pieces.length >= 3, `300 bytes in pieces of at most 100: ${pieces.length} pieces`);
  pieces.slice(0, -1).forEach((piece) => assert.ok(piece.endsWith(' [split]'), `a piece that goes on is marked: ${piece}`));
  assert.ok(!pieces.at(-1)!.endsWith(']'), 'the last piece of the line is not marked');
  const bare = pieces.map((p) => p.replace(/ \[split\]$/, ''));
  assert.equal(bare.join(''), long, 'the pieces joined give the line back');
  for (const piece of bare) assert.ok(Buffer.byteLength(piece) <= 100, `a piece of at most log_line_maxbytes: ${Buffer.byteLength(piece)} bytes`);

  // json: a cut field on the pieces only, as the event's cut array
  const records = lines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { line: string; cut?: string });
  assert.deepEqual(records.map((r) => r.line), [...bare, 'waiting for input']);
  assert.deepEqual(records.map((r) => r.cut ?? null), [...bare.map((_, i) => (i < bare.length - 1 ? 'split' : null)), 'partial']);
  assert.deepEqual(Object.keys(records.at(-2)!), ['time', 'program', 'group', 'stream', 'pid', 'line'], 'a whole piece has no cut key');
  assert.deepEqual(Object.keys(records.at(-1)!), ['time', 'program', 'group', 'stream', 'pid', 'line', 'cut']);

  // a format with text after {line}: the mark stays with the line
  const custom = lines().filter((l) => l.startsWith('cutter> '));
  assert.equal(custom[0], `cutter> ${bare[0]} (cut split) <`);
  assert.equal(custom.at(-1), 'cutter> waiting for input (cut partial) <');
});
