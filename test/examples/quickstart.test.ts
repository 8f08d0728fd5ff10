// The README's first experience: `npm start` on the quickstart config in a real terminal, the
// supervisorctl line the README gives, then Ctrl-C. Every run uses a copy of the quickstart with
// free ports and its own log and pid files: 9001 and 8077 may be taken by someone's `npm start`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, childPids, freePort, httpGet, isAlive, makeTempDir, waitFor } from '../helpers/daemon.js';

const run = promisify(execFile);
const QUICKSTART = path.join(REPO_ROOT, 'examples', 'quickstart');
const README_CONF = 'examples/quickstart/supervisord.conf';

interface Quickstart {
  dir: string;
  conf: string;
  /** the status page and XML-RPC (9001 in the original) */
  httpPort: number;
  /** the web program (8077 in the original), passed to it as QUICKSTART_PORT */
  webPort: number;
}

/** examples/quickstart copied into `dir` (the programs too: %(here)s), rewritten to free ports and `dir`. */
async function copyQuickstart(dir: string): Promise<Quickstart> {
  const [httpPort, webPort] = [await freePort(), await freePort()];
  fs.mkdirSync(dir, { recursive: true });
  for (const file of fs.readdirSync(QUICKSTART)) fs.copyFileSync(path.join(QUICKSTART, file), path.join(dir, file));
  const conf = path.join(dir, 'supervisord.conf');
  const original = fs.readFileSync(conf, 'utf8');
  const rewritten = original
    .replaceAll('127.0.0.1:9001', `127.0.0.1:${httpPort}`)
    .replaceAll('/tmp/supervisor-ts-quickstart.', `${dir}/quickstart.`)
    .replace(/^childlogdir=\/tmp$/m, `childlogdir=${dir}`);
  assert.match(rewritten, new RegExp(`^port=127\\.0\\.0\\.1:${httpPort}$`, 'm'));
  assert.match(rewritten, new RegExp(`^serverurl=http://127\\.0\\.0\\.1:${httpPort}$`, 'm'));
  assert.doesNotMatch(rewritten, /\/tmp\/supervisor-ts-quickstart|childlogdir=\/tmp$/m);
  fs.writeFileSync(conf, rewritten);
  return { dir, conf, httpPort, webPort };
}

/** The supervisorctl command line of the README, as words. */
function readmeCtlLine(): string[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const lines = readme.split('\n').filter((l) => l.includes('supervisorctl') && l.includes(README_CONF));
  assert.equal(lines.length, 1, `the README shows one supervisorctl line on the quickstart config: ${JSON.stringify(lines)}`);
  return lines[0]!.split('#')[0]!.trim().split(/\s+/);
}

test('quickstart: programs run and log to the terminal; the README supervisorctl line works; Ctrl-C stops them all and supervisord exits 0', async (t) => {
  const qs = await copyQuickstart(makeTempDir('sv-quickstart-'));
  t.after(() => fs.rmSync(qs.dir, { recursive: true, force: true }));
  // `script` gives supervisord a real terminal; writing ^C to it is what pressing Ctrl-C does.
  // `exec` so that no shell sits between: dash (CI's /bin/sh) would itself die of the SIGINT.
  const term = spawn('script', ['-qfec', `exec ${process.execPath} bin/supervisord.js -n -c ${qs.conf}`, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { ...process.env, QUICKSTART_PORT: String(qs.webPort) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  term.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  const exited = new Promise<number | null>((resolve) => term.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (term.exitCode === null) term.kill('SIGKILL');
  });

  await waitFor(() => /gave up: flaky entered FATAL state/.test(screen), 15_000, `flaky FATAL in:\n${screen}`);
  await waitFor(() => /ticker: tick 2/.test(screen), 5000, 'ticker output');
  assert.match(await httpGet(qs.webPort), /^hello from web \(pid \d+\)/);
  assert.match(screen, /success: web entered RUNNING state/);
  assert.match(screen, /flaky: cannot reach the database/);

  // the README's line, run from the checkout as a reader would (on the copy), by ours and by 4.2.5's
  const [command, ...args] = readmeCtlLine();
  assert.equal(command, './bin/supervisorctl.js');
  const ctlArgs = args.map((a) => (a === README_CONF ? qs.conf : a));
  for (const argv of [[path.join(REPO_ROOT, command!)], ['/usr/bin/supervisorctl']]) {
    // status exits 3 when a program is not running (flaky is FATAL), as 4.2.5's does
    const result = await run(argv[0]!, [...argv.slice(1), ...ctlArgs], { cwd: REPO_ROOT }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    assert.equal('code' in result ? result.code : 0, 3, `${argv[0]}: ${JSON.stringify(result)}`);
    assert.match(result.stdout, /^flaky +FATAL +Exited too quickly \(process log may have details\)\nticker +RUNNING +pid \d+, uptime [\d:]+\nweb +RUNNING +pid \d+, uptime [\d:]+\n$/, argv[0]);
  }

  const daemonPid = Number(/supervisord started with pid (\d+)/.exec(screen)![1]);
  const programs = childPids(daemonPid);
  assert.equal(programs.length, 2, 'web and ticker running');

  term.stdin.write('\x03');
  assert.equal(await exited, 0, screen);
  assert.match(screen, /received SIGINT indicating exit request/);
  for (const pid of [daemonPid, ...programs]) assert.equal(isAlive(pid), false, `pid ${pid} left running`);
});

/**
 * A checkout of this repository in `root` that is built: its sources, node_modules and compiled
 * output are links to ours, its scripts, bin/ and package.json copies, its build stamp new.
 */
function builtCheckout(root: string): void {
  for (const dir of ['src', 'plugins', 'test', 'node_modules']) fs.symlinkSync(path.join(REPO_ROOT, dir), path.join(root, dir));
  for (const file of ['package.json', 'tsconfig.json', 'scripts/build.mjs', 'scripts/bundle.mjs', 'scripts/bundle-import-meta.js', 'scripts/bundle-cache.cjs', 'bin/package.json', 'bin/supervisord.js', 'bin/supervisorctl.js']) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  }
  fs.mkdirSync(path.join(root, 'dist'));
  for (const dir of ['src', 'plugins', 'test', 'bundle']) fs.symlinkSync(path.join(REPO_ROOT, 'dist', dir), path.join(root, 'dist', dir));
  fs.writeFileSync(path.join(root, 'dist', '.build-stamp'), `${new Date().toISOString()}\n`);
}

test('npm start on a built checkout runs supervisord at once: no compile step', async (t) => {
  const root = makeTempDir('sv-npm-start-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  builtCheckout(root);
  const qs = await copyQuickstart(path.join(root, 'examples', 'quickstart'));
  const compiled = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'supervisord.js');
  const compiledBefore = fs.statSync(compiled).mtimeMs;
  const stampBefore = fs.statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs;

  const started = performance.now();
  // detached: its own process group, so the Ctrl-C below reaches npm, its shell and supervisord
  // together, as a terminal's would
  const npm = spawn('npm', ['start'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QUICKSTART_PORT: String(qs.webPort) } });
  let out = '';
  let firstLogLineMs: number | null = null;
  const collect = (d: Buffer): void => {
    out += d.toString();
    if (firstLogLineMs === null && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO /m.test(out)) firstLogLineMs = performance.now() - started;
  };
  npm.stdout.on('data', collect);
  npm.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, 'SIGKILL');
  });

  await waitFor(() => /spawned: 'web' with pid/.test(out), 30_000, `supervisord starting under npm start:\n${out}`);
  t.diagnostic(`npm start: first log line after ${Math.round(firstLogLineMs!)} ms`);
  assert.match(out, /build: dist\/ is up to date, no compile/);
  assert.doesNotMatch(out, /compiling/);
  assert.equal(fs.statSync(compiled).mtimeMs, compiledBefore, 'dist/ rewritten');
  assert.equal(fs.statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs, stampBefore, 'build stamp rewritten');
  const daemonPid = Number(/supervisord started with pid (\d+)/.exec(out)![1]);

  process.kill(-npm.pid!, 'SIGINT');
  await exited;
  await waitFor(() => !isAlive(daemonPid), 15_000, `supervisord ${daemonPid} to exit:\n${out}`);
  assert.match(out, /received SIGINT indicating exit request/);
});

test('npm start compiles only when a source is newer than the last build', async (t) => {
  const root = makeTempDir('sv-stale-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  builtCheckout(root);
  // a JS script without types: imported by path at run time
  const buildScript: string = path.join(REPO_ROOT, 'scripts', 'build.mjs');
  const { staleReason } = (await import(buildScript)) as { staleReason(root: string): string | null };
  assert.equal(staleReason(root), null);
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(root, 'tsconfig.json'), later, later);
  assert.equal(staleReason(root), 'tsconfig.json changed since the last build');
  fs.rmSync(path.join(root, 'dist', '.build-stamp'));
  assert.equal(staleReason(root), 'dist/ was never built here');
});
