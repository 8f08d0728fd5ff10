// Writes V8's code cache of the supervisorctl bundle (dist/bundle/supervisorctl.cjs.cache), which
// bin/supervisorctl.js compiles it from: run by scripts/bundle.mjs in a node of its own, right after
// esbuild. V8 caches the functions compiled so far, so a node of its own first runs what a call
// runs: `status --probe app` against our supervisord (from dist/, started here in a temp dir with
// one program), so that the HTTP reader, the XML-RPC decoder and the status line are in the cache
// too, not only the command line, the config and the request (about 0.8 ms less CPU per call than
// a cache made against no daemon). Where that daemon does not come up, the cache is made from the
// call that failed to reach it, and this says so on stderr.
//   node scripts/bundle-cache.cjs [OUT]   OUT: where to write it, default the path above
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
// a daemon that has not answered within this long is taken as not starting here
const DAEMON_DEADLINE_MS = 30_000;

/** The call the cache is made from, in this process; writes the cache to `out` at exit. */
function callAndWriteCache(conf, out) {
  const { loadBundle } = require('../bin/supervisorctl.js');
  const { exports: ctl, script } = loadBundle();
  process.on('exit', () => {
    const partial = `${out}.${process.pid}`;
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, out);
  });
  ctl.main(['-c', conf, 'status', '--probe', 'app'], 'supervisorctl');
}

function writeDaemonConfig(dir) {
  const socket = path.join(dir, 'supervisor.sock');
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    [
      '[supervisord]',
      `logfile=${path.join(dir, 'supervisord.log')}`,
      `pidfile=${path.join(dir, 'supervisord.pid')}`,
      `childlogdir=${dir}`,
      '[unix_http_server]',
      `file=${socket}`,
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${socket}`,
      '[program:app]',
      'command=sleep 1000',
      'startsecs=0',
      'stdout_logfile=NONE',
      'stderr_logfile=NONE',
      '',
    ].join('\n'),
  );
  return { conf, socket };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(out) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-bundle-cache-'));
  const { conf, socket } = writeDaemonConfig(dir);
  const daemon = spawn(process.execPath, [path.join(ROOT, 'bin', 'supervisord.js'), '-n', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let daemonErr = '';
  daemon.stderr.on('data', (d) => (daemonErr += d));
  const daemonExited = new Promise((resolve) => daemon.on('exit', (code, signal) => resolve(signal ?? code)));
  let ended = null;
  daemonExited.then((how) => (ended = how));
  try {
    const deadline = Date.now() + DAEMON_DEADLINE_MS;
    for (;;) {
      const up = fs.existsSync(socket);
      // once the socket is there, each try is the call itself (its cache is kept when it is the last)
      const call = up ? spawnSync(process.execPath, [__filename, '--call', conf, out], { encoding: 'utf8' }) : null;
      if (call && /^app +RUNNING/.test(call.stdout)) {
        process.stdout.write(`bundle-cache: made from a call our supervisord answered: ${call.stdout}`);
        return;
      }
      if (ended !== null || Date.now() > deadline) {
        // the cache of a call that reached no daemon: still correct, slower by about 0.8 ms a call
        const last = call ?? spawnSync(process.execPath, [__filename, '--call', conf, out], { encoding: 'utf8' });
        const why = ended !== null ? `it exited (${ended}): ${daemonErr.trim()}` : `no RUNNING answer within ${DAEMON_DEADLINE_MS / 1000} s`;
        process.stderr.write(`bundle-cache: our supervisord did not answer here (${why}); the code cache is made from a call that got: ${(last.stdout + last.stderr).trim()}\n`);
        return;
      }
      await sleep(50);
    }
  } finally {
    if (ended === null) {
      daemon.kill('SIGTERM');
      await daemonExited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--call') callAndWriteCache(process.argv[3], process.argv[4]);
else main(path.resolve(process.argv[2] ?? require('../bin/supervisorctl.js').CODE_CACHE));
