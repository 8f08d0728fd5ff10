// A line without its newline is handed on only once the pipe is quiet with nothing unread in it:
// a stalled event loop must not cut a line whose rest already waits in the pipe, and capture
// mode's held tail reaches the log while the program is still running.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { OutputLine } from '../../src/output/line-framer.js';
import { ProcessState } from '../../src/process/states.js';
import { processConfig, programGroup } from '../helpers/process-config.js';
import { waitFor, withHarness } from '../helpers/supervisor-harness.js';

const LINES = 3000;
// 3000 lines of 100 bytes in ONE write(2): far more than a pipe holds, so chunks end mid-line
const ONE_WRITE = `import os; os.write(1, b''.join(b'%06d %s\\n' % (i, b'x' * 92) for i in range(${LINES})))`;

test('an event loop stalled 300 ms per batch does not cut lines whose rest waits in the pipe', async () => {
  await withHarness(async (h) => {
    const config = processConfig('burst', {
      command: `sh -c "python3 -c \\"${ONE_WRITE}\\"; exec sleep 30"`,
      startsecs: 0,
      autorestart: 'false',
      stdout_logfile: path.join(h.dir, 'burst.log'),
    });
    const supervisor = h.run([programGroup(config)]);
    const proc = supervisor.resolve('burst').process!;
    const lines: OutputLine[] = [];
    let stalls = 0;
    proc.on('lines', (batch) => {
      lines.push(...batch);
      // a busy plugin: the loop stands still past the 200 ms partial-line delay, several times
      if (stalls++ < 4) {
        const until = performance.now() + 300;
        while (performance.now() < until);
      }
    });
    await waitFor(() => lines.length >= LINES || lines.some((l) => l.cut), 20_000, 'all lines');
    assert.ok(stalls > 1, 'the output came in several chunks, each stalled');
    const cut = lines.filter((l) => l.cut);
    assert.deepEqual(cut, [], 'no line was handed on cut');
    assert.equal(lines.length, LINES);
    lines.forEach((line, i) => assert.equal(line.text, `${String(i).padStart(6, '0')} ${'x'.repeat(92)}`));
  });
});

test('capture mode: a short line after the END token reaches the log while the program keeps running', async () => {
  await withHarness(async (h) => {
    const log = path.join(h.dir, 'talker.log');
    const config = processConfig('talker', {
      command: `sh -c "printf '<!--XSUPERVISOR:BEGIN-->payload<!--XSUPERVISOR:END-->ok\\n'; exec sleep 30"`,
      startsecs: 0,
      autorestart: 'false',
      stdout_logfile: log,
      stdout_capture_maxbytes: 1024,
    });
    h.run([programGroup(config)]);
    // 4.2.5 holds "ok\n" (shorter than a token) until more output comes: here, never
    await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8') === 'ok\n', 5000, 'the held tail in the log');
    assert.equal(h.supervisor.resolve('talker').process!.state, ProcessState.RUNNING);
  });
});
