// Scenario 1: log capture. A fast writer (bench/helpers/writer.c) sends 512 MiB of 100-byte lines,
// then of 4 KiB lines, to its stdout; the daemon writes them to stdout_logfile, without and with
// rotation. In the same call, the physical limit: the same writer into `cat > file`.
import fs from 'node:fs';
import { BACKUPS, captureUnderPm2, captureUnderSupervisord, writerAlone } from '../capture.mjs';
import { makeTempDir, scaled, writerCommand } from '../lib.mjs';

const MiB = 2 ** 20;
const TOTAL = scaled(512 * MiB);
const ROTATE_BYTES = 50 * 1024 * 1024; // 4.2.5's default stdout_logfile_maxbytes (50MB)

const VARIANTS = [
  { key: 'l100', lineBytes: 100, rotate: false, label: '100-byte lines' },
  { key: 'l4k', lineBytes: 4096, rotate: false, label: '4 KiB lines' },
  { key: 'l100r', lineBytes: 100, rotate: true, label: '100-byte lines, rotating' },
  { key: 'l4kr', lineBytes: 4096, rotate: true, label: '4 KiB lines, rotating' },
];

// BENCH_VARIANTS=key,key runs only those variants (while working on one figure)
const chosen = (v) => !process.env.BENCH_VARIANTS || process.env.BENCH_VARIANTS.split(',').includes(v.key);

const metrics = [];
for (const v of VARIANTS) {
  metrics.push(
    { key: `mibs_${v.key}`, label: `${v.label}: MiB/s`, unit: '/s', better: 'higher', target: { ratio: 1 } },
    { key: `limit_${v.key}`, label: `${v.label}: \`writer | cat > file\` MiB/s (same call)`, unit: '/s', better: 'higher' },
    { key: `pct_${v.key}`, label: `${v.label}: % of \`writer | cat > file\``, unit: '%', better: 'higher', target: { min: 90 } },
    { key: `cpu_${v.key}`, label: `${v.label}: daemon CPU`, unit: 's', better: 'lower' },
    { key: `cpuGiB_${v.key}`, label: `${v.label}: daemon CPU per GiB`, unit: 's', better: 'lower', target: { ratio: 1 } },
    { key: `rss_${v.key}`, label: `${v.label}: daemon peak RSS`, unit: 'MiB', better: 'lower' },
    { key: `lost_${v.key}`, label: `${v.label}: MiB missing from the log`, unit: 'MiB', better: 'lower' },
  );
}

export default {
  name: 'logcapture',
  number: 1,
  title: `Log capture: ${Math.round(TOTAL / MiB)} MiB to stdout_logfile`,
  daemons: ['ours', 'theirs', 'pm2'],
  method: () =>
    `A C writer (\`bench/helpers/writer.c block\`: whole lines packed into 64 KiB write(2) calls) sends ` +
    `${(TOTAL / MiB).toFixed(0)} MiB of 100-byte lines, then of 4 KiB lines, to its stdout. It is one program ` +
    `(\`autostart=false\`, \`startsecs=0\`, stderr to NONE) with \`stdout_logfile\` in the temp dir, ` +
    `\`stdout_logfile_maxbytes=0\`, or with rotation \`maxbytes=50MB\`, \`backups=${BACKUPS}\`; a fresh daemon per ` +
    `variant. The clock starts before \`supervisor.startProcess\` and stops when the log files (polled every ` +
    `5 ms with stat) hold every byte. Daemon CPU = utime+stime of the daemon process (all its threads) from ` +
    `/proc/PID/stat over that time; peak RSS = VmHWM, reset (clear_refs) just before the start. In the same ` +
    `call, before the daemon runs, the physical limit: the same writer in \`sh -c 'writer | cat > file'\` on the ` +
    `same disk; "% of the limit" compares each daemon with the limit measured next to it. PM2: the same writer ` +
    `as an app (\`interpreter: none\`, \`out_file\`, \`merge_logs\`), fresh God daemon per variant, its CPU and ` +
    `VmHWM; no rotation (PM2 needs its pm2-logrotate module for that); a log that stops growing for 3 s short ` +
    `of the total counts the rest as missing.`,
  notes:
    'How ours reads (ADR 0008): children write into real pipes (pipe2 through libc), read by libuv into one ' +
    'shared 256 KiB buffer (no allocation per read), written to a regular log file in place with writevSync; ' +
    'a pipe read back to back is widened to 256 KiB. Before that change (socketpairs, a fresh 64 KiB Buffer per ' +
    'read) perf showed V8 major collections all through a capture and twice 4.2.5\'s CPU per GiB. The `cat > ' +
    'file` limit and both daemons share the page cache and the disk\'s writeback, so single runs vary widely; ' +
    'a `sync` before every timed run keeps one run\'s writeback out of the next.',
  defaultReps: 5,
  metrics,
  async once(daemon) {
    const writer = writerCommand();
    const out = {};
    for (const v of VARIANTS.filter(chosen)) {
      if (daemon.id === 'pm2' && v.rotate) continue;
      const lines = Math.floor(TOTAL / v.lineBytes);
      const bytes = lines * v.lineBytes;
      const dir = makeTempDir();
      try {
        const args = ['block', v.lineBytes, lines];
        const limitMs = await writerAlone(dir, writer, args);
        const r =
          daemon.id === 'pm2'
            ? await captureUnderPm2(dir, writer, args, bytes)
            : await captureUnderSupervisord(daemon, dir, writer, args, bytes, { rotateBytes: v.rotate ? ROTATE_BYTES : 0 });
        const limit = bytes / MiB / (limitMs / 1000);
        const rate = r.bytes / MiB / (r.ms / 1000);
        out[`mibs_${v.key}`] = rate;
        out[`limit_${v.key}`] = limit;
        out[`pct_${v.key}`] = (100 * rate) / limit;
        out[`cpu_${v.key}`] = r.cpuS;
        out[`cpuGiB_${v.key}`] = r.cpuS / (r.bytes / 2 ** 30);
        out[`rss_${v.key}`] = r.peakMiB;
        out[`lost_${v.key}`] = (bytes - r.bytes) / MiB;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return out;
  },
};
