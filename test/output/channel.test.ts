// The output features a channel adds on request: capture mode, line framing, strip_ansi.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CaptureSplitter } from '../../src/output/capture.js';
import { LineFramer, type OutputLine } from '../../src/output/line-framer.js';
import type { ProcessCommunication } from '../../src/output/process-output.js';
import { stripEscapes } from '../../src/output/strip-ansi.js';
import { ProcessState } from '../../src/process/states.js';
import { fixture, processConfig, programGroup } from '../helpers/process-config.js';
import { waitFor, withHarness } from '../helpers/supervisor-harness.js';

test('a process: capture payload as a communication event, whole lines to a listener, log file without the payload', async () => {
  await withHarness(async (h) => {
    const go = path.join(h.dir, 'go');
    const log = path.join(h.dir, 'out.log');
    const config = processConfig('talker', {
      command: `${fixture('capture-then-exit.sh')} ${go}`,
      startsecs: 0,
      autorestart: 'false',
      stdout_logfile: log,
      stdout_capture_maxbytes: 1024,
      raw: { log_line_maxbytes: '100' },
    });
    const supervisor = h.run([programGroup(config)]);
    const proc = supervisor.resolve('talker').process!;
    assert.equal(proc.hasLineConsumers, false);
    const lines: OutputLine[] = [];
    const comms: ProcessCommunication[] = [];
    proc.on('lines', (batch) => lines.push(...batch));
    proc.on('communication', (c) => comms.push(c));
    assert.equal(proc.hasLineConsumers, true);
    fs.writeFileSync(go, '');
    await h.waitForState('talker', ProcessState.EXITED);
    await waitFor(() => lines.some((l) => l.text === 'no newline at the end'), 5000, 'the last line');

    assert.equal(comms.length, 1);
    assert.equal(comms[0]!.data.toString(), 'hello comm\nline2');
    assert.equal(comms[0]!.stream, 'stdout');
    assert.ok(comms[0]!.pid > 0);
    assert.equal(h.logged("'talker' stdout emitted a comm event").length, 1);

    const long = '0'.repeat(249) + '7';
    assert.deepEqual(
      lines.map((l) => [l.text, l.cut]),
      [
        ['before', undefined],
        ['after', undefined],
        [long.slice(0, 100), 'split'],
        [long.slice(100, 200), 'split'],
        [long.slice(200), undefined],
        ['no newline at the end', 'partial'],
      ],
    );
    assert.ok(lines.every((l) => l.stream === 'stdout' && l.time > Date.now() - 60_000 && l.time <= Date.now()));
    await supervisor.closeLogs();
    // 4.2.5 would lose the held "after\n" and the last line; we log them once the pipe closes
    assert.equal(fs.readFileSync(log, 'utf8'), `before\nafter\n${long}\nno newline at the end`);
  });
});

test('CaptureSplitter follows 4.2.5: tokens split across chunks, the approximate bound, short output waits', () => {
  const logged: string[] = [];
  const payloads: string[] = [];
  const splitter = new CaptureSplitter(5, {
    log: (data, captured) => logged.push(`${captured ? 'C' : 'N'}:${data.toString()}`),
    communication: (data) => payloads.push(data.toString()),
  });
  splitter.push(Buffer.from('abc<!--XSUPER'));
  splitter.push(Buffer.from('VISOR:BEGIN-->0123456789<!--XSUPERVISOR:END-->tail that is long enough to go'));
  splitter.push(Buffer.from('x'));
  splitter.end();
  assert.deepEqual(payloads, ['0123456789'], 'a single chunk larger than the bound is kept whole');
  assert.deepEqual(logged, ['N:abc', 'C:0123456789', 'N:tail that is long enough to go', 'N:x']);
});

test('LineFramer: a partial line goes out when flushed, marked; the rest starts a new line', () => {
  const batches: OutputLine[][] = [];
  const framer = new LineFramer({ stream: 'stderr', maxLineBytes: 1000, emit: (batch) => batches.push(batch.lines) });
  framer.push(Buffer.from('one\ntw'), 1);
  // a line's text is a getter (decoded when read): compare what a consumer reads
  const read = (lines: OutputLine[] | undefined) => lines?.map((l) => ({ stream: l.stream, text: l.text, time: l.time, ...(l.cut ? { cut: l.cut } : {}) }));
  assert.deepEqual(batches.map(read), [[{ stream: 'stderr', text: 'one', time: 1 }]]);
  assert.equal(framer.holdsPartial, true);
  framer.flushPartial();
  assert.equal(framer.holdsPartial, false);
  assert.deepEqual(read(batches[1]), [{ stream: 'stderr', text: 'tw', time: 1, cut: 'partial' }]);
  framer.push(Buffer.from('o\n'), 2);
  assert.deepEqual(read(batches[2]), [{ stream: 'stderr', text: 'o', time: 2 }]);
  framer.end();
  assert.equal(batches.length, 3);
});

test('stripEscapes gives the bytes 4.2.5 stripEscapes gives', () => {
  const samples = ['plain', '\x1b[31mred\x1b[0m done', 'a\x1b[1;32', '\x1b[2Jx\x1b[Hy', 'no [ escape \x1b but esc', 'end\x1b[m'];
  for (const sample of samples) {
    const expected = execFileSync('/usr/bin/python3', ['-c', 'import sys; from supervisor.dispatchers import stripEscapes; sys.stdout.buffer.write(stripEscapes(sys.stdin.buffer.read()))'], { input: sample });
    assert.deepEqual(stripEscapes(Buffer.from(sample)), expected, JSON.stringify(sample));
  }
});
