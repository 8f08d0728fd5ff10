// Output faster than gzip (random bytes do not compress, so gzip runs at a fraction of capture
// speed) through a small rotating log with *_logfile_compress=true: the compression queue stays
// bounded by backups. The daemon's descriptors and the bytes it keeps in deleted files, sampled
// from /proc while the writer runs, stay flat; before the bound each rotation queued a job holding
// a descriptor on a copy that rotation had already deleted (thousands of them, gigabytes of disk).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, test } from 'node:test';
import { makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { assertAnswersRpc, RPC_SECTIONS } from './system.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const MAXBYTES = 1024 * 1024;
const BACKUPS = 3;
const WRITTEN_MB = 200;

interface FdSample {
  open: number;
  deleted: number;
  deletedBytes: number;
}

/** The daemon's open descriptors, and those (and their bytes) on files that no longer have a name. */
function sampleFds(pid: number): FdSample {
  const sample: FdSample = { open: 0, deleted: 0, deletedBytes: 0 };
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    sample.open++;
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (!target.endsWith(' (deleted)')) continue;
      sample.deleted++;
      sample.deletedBytes += fs.statSync(`/proc/${pid}/fd/${fd}`).size;
    } catch {
      // closed while we looked
    }
  }
  return sample;
}

test('a writer faster than gzip: compression queue bounded by backups, no descriptor kept on a deleted copy, kept copies compressed', async () => {
  const dir = makeTempDir('faults-compress-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const log = path.join(dir, 'writer.log');
  const conf = writeConfig(
    dir,
    RPC_SECTIONS(socket) +
      `[program:writer]\ncommand=head -c ${WRITTEN_MB}M /dev/urandom\nautostart=false\nautorestart=false\nstartsecs=0\n` +
      `stdout_logfile=${log}\nstdout_logfile_maxbytes=${MAXBYTES}\nstdout_logfile_backups=${BACKUPS}\nstdout_logfile_compress=true\nstderr_logfile=NONE\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    const pid = daemon.child.pid!;
    await daemon.waitForLog(/supervisord started with pid/);
    await assertAnswersRpc(socket);
    const baseline = sampleFds(pid);

    await rpcCall(socket, 'supervisor.startProcess', ['writer']);
    const worst: FdSample = { open: 0, deleted: 0, deletedBytes: 0 };
    const exited = /exited: writer \(exit status 0; expected\)/;
    const caughtUp = /gzip caught up with .*writer\.log \((\d+) rotated copies were removed before they were compressed\)/g;
    // a loaded machine may slow the writer enough for gzip to catch up mid-stream and fall behind
    // again: each episode is said once when it starts and once when it ends
    const episodes = (text: string): { started: number; ended: number } => ({
      started: text.match(/gzip falls behind/g)?.length ?? 0,
      ended: text.match(caughtUp)?.length ?? 0,
    });
    const settled = (text: string): boolean => exited.test(text) && episodes(text).ended > 0 && episodes(text).ended === episodes(text).started;
    // sample until the writer ended and gzip has nothing left to do (both said in the main log)
    for (const deadline = Date.now() + 120_000; !settled(daemon.mainLog()); ) {
      assert.ok(Date.now() < deadline, `timed out waiting for the writer to end and gzip to catch up\n${daemon.mainLog()}`);
      const now = sampleFds(pid);
      worst.open = Math.max(worst.open, now.open);
      worst.deleted = Math.max(worst.deleted, now.deleted);
      worst.deletedBytes = Math.max(worst.deletedBytes, now.deletedBytes);
      // the copy being compressed, and at most one more while an aborted one closes
      assert.ok(now.deleted <= 2, `at most 2 descriptors on deleted files, saw ${now.deleted}`);
      assert.ok(now.deletedBytes <= 3 * MAXBYTES, `at most ${3 * MAXBYTES} bytes in deleted files, saw ${now.deletedBytes}`);
      // the log, its copy being read, the gzip output, the child's pipe, and slack for the RPC connection
      assert.ok(now.open <= baseline.open + 10, `descriptors flat: ${baseline.open} before, ${now.open} now`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const mainLog = daemon.mainLog();
    assert.match(mainLog, /WARN writer: gzip falls behind the output of .*writer\.log: rotated copies pushed past backups=3 before they are compressed are removed uncompressed/);
    const { started, ended } = episodes(mainLog);
    assert.ok(started >= 1 && started === ended, `said once per episode, at its start and its end:\n${mainLog}`);
    const skipped = [...mainLog.matchAll(caughtUp)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(skipped > 10, `gzip was behind (${skipped} copies skipped): the test exercised the bound`);
    process.stdout.write(`# descriptors: ${baseline.open} before, at most ${worst.open}; deleted: at most ${worst.deleted} (${worst.deletedBytes} bytes); ${skipped} copies skipped\n`);

    // what rotation keeps is there, compressed and whole
    const names = fs.readdirSync(dir).filter((n) => n.startsWith('writer.log')).sort();
    assert.deepEqual(names, ['writer.log', 'writer.log.1.gz', 'writer.log.2.gz', 'writer.log.3.gz']);
    for (let n = 1; n <= BACKUPS; n++) {
      const size = zlib.gunzipSync(fs.readFileSync(`${log}.${n}.gz`)).length;
      assert.ok(size >= MAXBYTES && size < 2 * MAXBYTES, `writer.log.${n}.gz holds one rotation (${size} bytes)`);
    }
    const after = sampleFds(pid);
    assert.equal(after.deleted, 0, 'nothing deleted is held open once gzip caught up');
    await assertAnswersRpc(socket);
  } finally {
    await daemon.stop();
  }
});
