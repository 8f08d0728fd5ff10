// supervisorctl's whole output reaches a reader that only reads after it exited (a parent process
// collecting output at the end): process.exit() used to drop what the socket had not taken yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';
import { OUR_SUPERVISORCTL } from '../helpers/parity.js';

const PROGRAMS = 500;

test(`status of ${PROGRAMS} programs: every line arrives though the reader starts after the exit`, async (t) => {
  const dir = makeTempDir();
  let body = `[unix_http_server]\nfile=%(here)s/sv.sock\n[supervisorctl]\nserverurl=unix://${dir}/sv.sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;
  for (let i = 0; i < PROGRAMS; i++) body += `[program:p${i}]\ncommand=/bin/true\nautostart=false\n`;
  const conf = writeConfig(dir, body);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/supervisord started with pid/);

  const ctl = spawn(process.execPath, [OUR_SUPERVISORCTL, '-c', path.join(dir, 'supervisord.conf'), 'status']);
  ctl.stdout.pause();
  // attached in the exit handler itself: a tick later Node resumes unread stdio and drops it
  const { code, text } = await new Promise<{ code: number | null; text: string }>((resolve) =>
    ctl.on('exit', (exitCode) => {
      let collected = '';
      ctl.stdout.setEncoding('utf8').on('data', (d: string) => (collected += d));
      ctl.stdout.on('end', () => resolve({ code: exitCode, text: collected }));
      ctl.stdout.resume();
    }),
  );
  assert.equal(code, 3, 'all STOPPED: exit 3 as in 4.2.5');
  const lines = text.split('\n').filter(Boolean);
  assert.equal(lines.length, PROGRAMS);
  assert.match(lines.at(-1)!, /^p99\s+STOPPED\s+Not started$/);
});
