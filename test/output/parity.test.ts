// The same config and the same child output under the real 4.2.5 and under ours: the child log
// files (names, count, sizes, content) must be the same. Plain paths, AUTO, redirect_stderr and
// rotation with backups.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { FIXTURES, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const EMIT = path.join(FIXTURES, 'emit-blocks.py');
const REAL_SUPERVISORD = '/usr/bin/supervisord';
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function programs(): string {
  const common = 'autostart=true\nautorestart=false\nstartsecs=0\n';
  return [
    `[program:plain]\ncommand=${EMIT} %(here)s/plain.out 6 100 %(here)s/plain.err\nstdout_logfile=%(here)s/plain.out\nstderr_logfile=%(here)s/plain.err\n${common}`,
    `[program:auto]\ncommand=${EMIT} - 4 200 -\n${common}`,
    `[program:redirected]\ncommand=${EMIT} %(here)s/redirected.log 8 64 %(here)s/redirected.log\nredirect_stderr=true\nstdout_logfile=%(here)s/redirected.log\n${common}`,
    `[program:rotated]\ncommand=${EMIT} %(here)s/rotated.log 40 128\nstdout_logfile=%(here)s/rotated.log\nstdout_logfile_maxbytes=1000\nstdout_logfile_backups=3\nstderr_logfile=NONE\n${common}`,
    `[program:truncated]\ncommand=${EMIT} - 1 3000\nstdout_logfile=%(here)s/truncated.log\nstdout_logfile_maxbytes=1000\nstdout_logfile_backups=0\n${common}`,
  ].join('\n');
}

interface LogFile {
  name: string;
  size: number;
  content: string;
}

/** The child logs of a run dir, AUTO names with their random part replaced so runs compare. */
function childLogs(dir: string): LogFile[] {
  return fs
    .readdirSync(dir)
    .filter((name) => !/^supervisord\.(conf|log|pid)$/.test(name))
    .map((name) => {
      const content = fs.readFileSync(path.join(dir, name), 'utf8');
      return { name: name.replace(/---supervisor-[a-z0-9_]{8}\.log/, '---supervisor-RANDOM.log'), size: content.length, content };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

const EXITED = ['plain', 'auto', 'redirected', 'rotated', 'truncated'];

async function runUntilAllExited(dir: string, real: boolean): Promise<void> {
  writeConfig(dir, programs(), 'loglevel=info\n');
  const allExited = (log: string): boolean => EXITED.every((name) => log.includes(`exited: ${name} (exit status 0; expected)`));
  if (real) {
    const child = spawn(REAL_SUPERVISORD, ['-n', '-c', path.join(dir, 'supervisord.conf')], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => allExited(readOr(path.join(dir, 'supervisord.log'))), 30_000, '4.2.5 children to exit');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    return;
  }
  const daemon = startDaemon(dir, ['-n', '-c', path.join(dir, 'supervisord.conf')]);
  try {
    await waitFor(() => allExited(daemon.mainLog()), 30_000, `our children to exit\n${daemon.mainLog()}\n${daemon.output()}`);
  } finally {
    await daemon.stop();
  }
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

test('child log files match 4.2.5: plain, AUTO, redirect_stderr, rotation with backups, rotation without', async () => {
  const realDir = makeTempDir('parity-real-');
  const ourDir = makeTempDir('parity-ours-');
  dirs.push(realDir, ourDir);
  await Promise.all([runUntilAllExited(realDir, true), runUntilAllExited(ourDir, false)]);
  const real = childLogs(realDir);
  const ours = childLogs(ourDir);
  assert.deepEqual(
    ours.map((f) => [f.name, f.size]),
    real.map((f) => [f.name, f.size]),
    'same file names and sizes',
  );
  assert.deepEqual(ours, real, 'same content');
  // the comparison means something: rotation happened and kept 3 backups
  assert.ok(real.some((f) => f.name === 'rotated.log.3'));
  assert.ok(!real.some((f) => f.name === 'rotated.log.4'));
  assert.ok(real.some((f) => f.name === 'auto-stderr---supervisor-RANDOM.log' && f.size === 400));
  assert.ok(real.some((f) => f.name === 'redirected.log' && f.size === 8 * 64));
});
