// Shared by the output scenarios (log capture, small lines): run the benchmark writer under a
// daemon and time how long until its log file holds every byte; and the same writer into
// `cat > file`, the physical limit of the machine for that stream.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cpuMs, procStatus, resetPeakRss, startDaemon, timeCommand, totalSize, waitForCount, wallMs, writeConfig } from './lib.mjs';
import { startPm2 } from './pm2.mjs';

export const BACKUPS = 20;

/** Every file the log can be in, oldest backup first: renames move files up, so a scan from the top never counts one twice. */
export function logFiles(file, backups = BACKUPS) {
  return [...Array.from({ length: backups }, (_, i) => `${file}.${backups - i}`), file];
}

/**
 * Writes back what earlier runs left dirty, so that its writeback does not land in the run that
 * follows, and (where we may: root) drops the clean page cache, so that each run allocates its pages
 * from free memory instead of reclaiming the last run's (I/O benchmarking's usual `sync; echo 1 >
 * drop_caches`).
 */
export function settleDisk() {
  execFileSync('sync');
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch {
    // not root: the sync alone
  }
}

/** ms for `writer ARGS | cat > file` (or `> /dev/null` with toNull) on the disk of `dir`. */
export async function writerAlone(dir, writer, args, { toNull = false } = {}) {
  const out = path.join(dir, 'limit.out');
  const cmd = `${writer.join(' ')} ${args.join(' ')} ${toNull ? '> /dev/null' : `| cat > ${out}`}`;
  settleDisk();
  const { ms } = await timeCommand(['/bin/sh', '-c', cmd]);
  fs.rmSync(out, { force: true });
  return ms;
}

/**
 * One program `writer ARGS` under supervisord (ours or 4.2.5) with stdout_logfile in `dir`
 * (rotateBytes 0 = no rotation): started over RPC, timed until the log holds `bytes`.
 */
export async function captureUnderSupervisord(daemon, dir, writer, args, bytes, { rotateBytes = 0 } = {}) {
  const log = path.join(dir, 'w.log');
  const conf = writeConfig(
    dir,
    [
      '[program:w]',
      `command=${[...writer, ...args].join(' ')}`,
      'autostart=false',
      'autorestart=false',
      'startsecs=0',
      `stdout_logfile=${log}`,
      `stdout_logfile_maxbytes=${rotateBytes}`,
      `stdout_logfile_backups=${rotateBytes ? BACKUPS : 0}`,
      'stderr_logfile=NONE',
    ].join('\n'),
  );
  const d = await startDaemon(daemon, dir, conf);
  try {
    settleDisk();
    resetPeakRss(d.pid);
    const cpu0 = cpuMs(d.pid);
    const t0 = wallMs();
    await d.rpc.call('supervisor.startProcess', ['w', false]);
    const files = logFiles(log, rotateBytes ? BACKUPS : 0);
    const r = await waitForCount(() => totalSize(files), bytes);
    return { ms: r.grewAt - t0, bytes: r.value, cpuS: (cpuMs(d.pid) - cpu0) / 1000, peakMiB: procStatus(d.pid).hwmKb / 1024 };
  } finally {
    await d.stop();
  }
}

/** The same under a fresh PM2 God daemon (which spawns the app and writes its out_file). */
export async function captureUnderPm2(dir, writer, args, bytes) {
  const log = path.join(dir, 'w.log');
  const p = await startPm2();
  try {
    resetPeakRss(p.pid);
    settleDisk();
    const cpu0 = cpuMs(p.pid);
    const t0 = wallMs();
    await p.call('start', {
      name: 'w',
      script: writer[0],
      args: [...writer.slice(1), ...args.map(String)],
      interpreter: 'none',
      autorestart: false,
      out_file: log,
      error_file: '/dev/null',
      merge_logs: true,
    });
    const r = await waitForCount(() => totalSize([log]), bytes);
    return { ms: r.grewAt - t0, bytes: r.value, cpuS: (cpuMs(p.pid) - cpu0) / 1000, peakMiB: procStatus(p.pid).hwmKb / 1024 };
  } finally {
    await p.stop();
  }
}
