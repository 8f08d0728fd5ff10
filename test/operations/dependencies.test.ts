// depends_on with real processes: B starts only once A's port answers, they stop in reverse
// dependency order whatever their priorities, and unknown names and cycles are config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';

test('B starts only after A\'s port answers, and on SIGTERM B stops before A', async (t) => {
  const dir = makeTempDir();
  const port = await freePort();
  // A takes a while before it listens; B checks, at its very start, that A answers
  const a = path.join(dir, 'a.py');
  fs.writeFileSync(
    a,
    `import socket, time\ntime.sleep(1.0)\ns = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n` +
      `s.bind(('127.0.0.1', ${port})); s.listen(5)\nwhile True: s.accept()[0].close()\n`,
  );
  const b = path.join(dir, 'b.py');
  const seen = path.join(dir, 'b-saw');
  fs.writeFileSync(
    b,
    `import socket, time\ntry:\n    socket.create_connection(('127.0.0.1', ${port}), 1).close(); saw = 'answered'\n` +
      `except OSError as e:\n    saw = 'refused: %s' % e\nopen('${seen}', 'w').write(saw)\nwhile True: time.sleep(1)\n`,
  );
  const conf = writeConfig(
    dir,
    `[program:a]
command=/usr/bin/python3 ${a}
startsecs=0
; A would stop first by priority alone: the dependency reverses that
priority=900
healthcheck_tcp=127.0.0.1:${port}
healthcheck_interval=0.1
healthcheck_retries=1000

[program:b]
command=/usr/bin/python3 ${b}
priority=10
startsecs=0
depends_on=a:healthy
`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/waiting for a \(healthy\) before starting b/);
  await daemon.waitForLog(/spawned: 'b' with pid \d+/);
  const log = daemon.mainLog();
  assert.ok(log.indexOf('health check passed: a is healthy') < log.indexOf("spawned: 'b'"), log);
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => fs.existsSync(seen) && fs.readFileSync(seen, 'utf8') && (clearInterval(poll), resolve()), 20);
  });
  assert.equal(fs.readFileSync(seen, 'utf8'), 'answered');

  await daemon.stop();
  const stopped = [...daemon.mainLog().matchAll(/stopped: (\w+) \(/g)].map((m) => m[1]);
  assert.deepEqual(stopped, ['b', 'a']);
});

test('depends_on naming no program, or forming a cycle, is a config error that names it', async () => {
  const cases: [string, RegExp][] = [
    ['[program:a]\ncommand=/bin/true\ndepends_on=nosuch\n', /depends_on of \[program:a\] names 'nosuch', which is not a program of this config/],
    [
      '[program:a]\ncommand=/bin/true\ndepends_on=c\n[program:b]\ncommand=/bin/true\ndepends_on=a\n[program:c]\ncommand=/bin/true\ndepends_on=b:healthy\n',
      /depends_on forms a cycle: a -> c -> b -> a/,
    ],
    ['[program:a]\ncommand=/bin/true\ndepends_on=a\n', /depends_on forms a cycle: a -> a/],
    ['[program:a]\ncommand=/bin/true\n[program:b]\ncommand=/bin/true\ndepends_on=a:ready\n', /invalid value for depends_on in section \[program:b\]: 'ready' is not one of running, healthy/],
  ];
  for (const [body, message] of cases) {
    const dir = makeTempDir();
    const daemon = startDaemon(dir, ['-n', '-c', writeConfig(dir, body)]);
    const { code } = await daemon.exited;
    assert.equal(code, 2, body);
    assert.match(daemon.output(), message);
  }
});
