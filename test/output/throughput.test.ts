// A child writing 500 MB as fast as it can: every byte lands in the log files, in order, across
// rotations. And a log on /dev/stdout with maxbytes set works, where 4.2.5 fails with "Illegal seek".
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** sha256 and length of what `seq 1 count` prints, without holding it in memory. */
async function seqDigest(count: number): Promise<{ sha256: string; bytes: number }> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const child = spawn('seq', ['1', String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const chunk of child.stdout) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function filesDigest(files: string[]): Promise<{ sha256: string; bytes: number }> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}

// seq 1 60000000 prints 528,888,897 bytes (504 MiB)
const LINES = 60_000_000;

test('500 MB written as fast as possible: every byte in the log files, in order, across rotations', async (t) => {
  const dir = makeTempDir('big-');
  dirs.push(dir);
  // the numbers are made beforehand so that the child is `cat`, far faster than seq, and the log path is what is measured
  const source = path.join(dir, 'numbers');
  execFileSync('sh', ['-c', `seq 1 ${LINES} > ${source}`]);
  const conf = writeConfig(
    dir,
    `[program:big]\ncommand=cat ${source}\nautorestart=false\nstartsecs=0\nstdout_logfile=%(here)s/big.log\nstdout_logfile_maxbytes=50MB\nstdout_logfile_backups=20\nstderr_logfile=NONE\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/exited: big \(exit status 0; expected\)/, 120_000);
  } finally {
    await daemon.stop();
  }
  const rotated = fs.readdirSync(dir).filter((n) => /^big\.log\.\d+$/.test(n)).map((n) => Number(n.slice('big.log.'.length)));
  rotated.sort((a, b) => b - a);
  assert.ok(rotated.length >= 9, `rotated ${rotated.length} times`);
  assert.deepEqual(rotated, Array.from({ length: rotated.length }, (_, i) => rotated.length - i), 'backups numbered 1..n without gaps');
  for (const n of rotated) {
    const size = fs.statSync(path.join(dir, `big.log.${n}`)).size;
    assert.ok(size >= 50 * 1024 * 1024 && size < 51 * 1024 * 1024, `big.log.${n} has ${size} bytes`);
  }
  const actual = await filesDigest([...rotated.map((n) => path.join(dir, `big.log.${n}`)), path.join(dir, 'big.log')]);
  assert.deepEqual(actual, await filesDigest([source]));
  const log = daemon.mainLog();
  const at = (re: RegExp): number => {
    const stamp = re.exec(log)?.[1] as string;
    return Date.parse(stamp.replace(' ', 'T').replace(',', '.'));
  };
  const seconds = (at(/^(\S+ \S+) INFO exited: big/m) - at(/^(\S+ \S+) INFO spawned: 'big'/m)) / 1000;
  t.diagnostic(`${(actual.bytes / 2 ** 20).toFixed(0)} MiB captured in ${seconds.toFixed(2)} s (spawned to exited): ${(actual.bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s`);
});

const DEV_STDOUT_CONFIG = (lines: number): string =>
  `[program:out]\ncommand=seq 1 ${lines}\nautorestart=false\nstartsecs=0\nstdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=50MB\nstderr_logfile=NONE\n`;

test('stdout_logfile=/dev/stdout with maxbytes=50MB carries 60 MB intact and says once that it does not rotate', async () => {
  const dir = makeTempDir('devstdout-');
  dirs.push(dir);
  const lines = 7_500_000; // 58,888,896 bytes: past maxbytes (50 MiB)
  const conf = writeConfig(dir, DEV_STDOUT_CONFIG(lines), 'silent=true\n');
  const expected = seqDigest(lines);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  daemon.child.stdout!.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  try {
    await daemon.waitForLog(/exited: out \(exit status 0; expected\)/, 60_000);
  } finally {
    await daemon.stop();
  }
  assert.deepEqual({ sha256: hash.digest('hex'), bytes }, await expected);
  const notices = daemon.mainLog().match(/\/dev\/stdout is supervisord's stdout: it is written as is, without rotation/g) ?? [];
  assert.equal(notices.length, 1, daemon.mainLog());
});

test('4.2.5 fails on the same /dev/stdout config: an "Illegal seek" CRIT in its main log for every chunk', async () => {
  const dir = makeTempDir('devstdout-real-');
  dirs.push(dir);
  const lines = 50_000;
  const conf = writeConfig(dir, DEV_STDOUT_CONFIG(lines), 'silent=true\n');
  // a real pipe, as with `supervisord | cat` (a socket, which node's stdio pipes are, cannot even be opened)
  const count = path.join(dir, 'count');
  const shell = spawn('sh', ['-c', `/usr/bin/supervisord -n -c ${conf} | wc -c > ${count}`], { cwd: dir, stdio: 'ignore' });
  const shellDone = new Promise((resolve) => shell.on('exit', resolve));
  const mainLog = (): string => (fs.existsSync(path.join(dir, 'supervisord.log')) ? fs.readFileSync(path.join(dir, 'supervisord.log'), 'utf8') : '');
  const pidfile = path.join(dir, 'supervisord.pid');
  try {
    await waitFor(() => mainLog().includes('exited: out (exit status 0; expected)'), 30_000, `4.2.5's exit line\n${mainLog()}`);
  } finally {
    const pid = fs.existsSync(pidfile) ? Number(fs.readFileSync(pidfile, 'utf8')) : 0;
    if (pid > 0) process.kill(pid, 'SIGTERM');
    else shell.kill('SIGKILL');
    await shellDone;
  }
  const failures = mainLog().match(/CRIT uncaptured python exception, closing channel .*Illegal seek/g) ?? [];
  assert.ok(failures.length >= 2, `${failures.length} Illegal seek failures\n${mainLog()}`);
  assert.ok(Number(fs.readFileSync(count, 'utf8').trim()) > 0);
});
