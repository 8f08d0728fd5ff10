#!/usr/bin/env node
// Runs the whole suite: installs what the tests need when it is missing (Debian's supervisor
// as the reference implementation and real client), then node's test runner over dist/test.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleIsStale, bundleSupervisorctl } from './bundle.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function haveDebianPackage(binary) {
  return fs.existsSync(binary);
}

function aptInstall(packages) {
  if (process.getuid?.() !== 0) {
    console.error(`run-tests: missing ${packages.join(' ')} and not root: tests that need them will fail`);
    return;
  }
  console.log(`run-tests: installing ${packages.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
}

const needed = [];
if (!haveDebianPackage('/usr/bin/supervisord')) needed.push('supervisor');
// the web tests drive Debian's chromium through playwright-core; no browser is ever downloaded
if (!haveDebianPackage('/usr/bin/chromium')) needed.push('chromium');
if (needed.length) aptInstall(needed);

function findTests(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

// the tests run bin/supervisorctl.js, which takes the bundle only when it is as new as dist/src: a
// bare `tsc -p .` since the last bundle would otherwise leave the shipped path untested
if (bundleIsStale()) {
  console.log('run-tests: dist/bundle/supervisorctl.cjs is older than dist/src: rebundling');
  await bundleSupervisorctl();
}

const filter = process.argv.slice(2);
let files = findTests(path.join(root, 'dist', 'test'));
if (filter.length) files = files.filter((f) => filter.some((pat) => f.includes(pat)));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test (did tsc run?)');
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
