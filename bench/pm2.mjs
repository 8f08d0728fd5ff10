// PM2 for the scenarios the issue compares with it: installed from npm into bench/.deps/pm2 on
// first use (a pinned version, never part of the project's dependencies), one God daemon per
// repetition in its own PM2_HOME, driven through PM2's own API over its sockets.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEPS_DIR, makeTempDir, sleep } from './lib.mjs';

export const PM2_VERSION = process.env.BENCH_PM2_VERSION ?? '7.0.4';
const PREFIX = path.join(DEPS_DIR, 'pm2');
const PACKAGE = path.join(PREFIX, 'node_modules', 'pm2', 'package.json');

let availability;

/** Installs PM2 once; false (and a warning) when BENCH_PM2=0 or npm cannot install it. */
export function pm2Available() {
  if (availability !== undefined) return availability;
  if (process.env.BENCH_PM2 === '0') return (availability = false);
  try {
    const installed = fs.existsSync(PACKAGE) ? JSON.parse(fs.readFileSync(PACKAGE, 'utf8')).version : null;
    if (installed !== PM2_VERSION) {
      console.log(`bench: installing pm2@${PM2_VERSION} into ${path.relative(process.cwd(), PREFIX)} (bench only)`);
      fs.mkdirSync(PREFIX, { recursive: true });
      if (!fs.existsSync(path.join(PREFIX, 'package.json'))) fs.writeFileSync(path.join(PREFIX, 'package.json'), '{ "private": true }\n');
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `pm2@${PM2_VERSION}`], { cwd: PREFIX, stdio: 'inherit' });
    }
    availability = true;
  } catch (err) {
    console.warn(`bench: PM2 skipped, cannot install pm2@${PM2_VERSION}: ${err.message}`);
    availability = false;
  }
  return availability;
}

export const pm2Label = () => `PM2 ${PM2_VERSION}`;

/**
 * A fresh PM2 God daemon in a temp PM2_HOME. `call(method, ...args)` promisifies the API;
 * `pid` is the God daemon, which spawns the apps and writes their logs.
 */
export async function startPm2() {
  const PM2 = createRequire(PACKAGE)('pm2');
  const home = makeTempDir('sv-bench-pm2-');
  const pm2 = new PM2.custom({ pm2_home: home, daemon_mode: true });
  const call = (method, ...args) =>
    new Promise((resolve, reject) => pm2[method](...args, (err, result) => (err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(result))));
  await call('connect');
  const pid = Number(fs.readFileSync(path.join(home, 'pm2.pid'), 'utf8'));
  const stop = async () => {
    try {
      await Promise.race([call('killDaemon'), sleep(120_000)]);
    } catch {
      /* already gone */
    }
    pm2.disconnect();
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* exited */
    }
    fs.rmSync(home, { recursive: true, force: true });
  };
  return { pm2, pid, home, call, stop };
}

/** Polls pm2.list until `count` apps are `online`; returns the ms waited. */
export async function waitPm2Online(p, count, { everyMs = 100, timeoutMs = 300_000 } = {}) {
  const t0 = performance.now();
  for (;;) {
    const list = await p.call('list');
    if (list.filter((a) => a.pm2_env?.status === 'online').length >= count) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`PM2: not all online after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
