#!/usr/bin/env node
// Builds dist/: tsc, then the supervisorctl bundle (scripts/bundle.mjs), then a stamp.
//   node scripts/build.mjs             always (npm run build, prepare, npm test)
//   node scripts/build.mjs --if-stale  only when a source changed since the last build (npm start:
//                                      a clean tsc takes 10-20 s of silence on a busy machine)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSupervisorctl } from './bundle.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// written last, so an interrupted build is never taken for a finished one
export const STAMP = path.join('dist', '.build-stamp');
// what tsc reads (tsconfig.json's include) and what decides how it reads it
const SOURCE_DIRS = ['src', 'plugins', 'test'];
const SOURCE_FILES = ['tsconfig.json', 'package.json', 'scripts/bundle.mjs', 'scripts/bundle-import-meta.js', 'scripts/bundle-cache.cjs'];

/** The first source file of the checkout at `root` modified after `since` (ms), or null. */
function changedSince(root, since) {
  for (const file of SOURCE_FILES) {
    if (fs.statSync(path.join(root, file)).mtimeMs > since) return file;
  }
  const pending = SOURCE_DIRS.map((d) => path.join(root, d));
  while (pending.length) {
    const dir = pending.pop();
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.name.endsWith('.ts') && fs.statSync(full).mtimeMs > since) return path.relative(root, full);
    }
  }
  return null;
}

/** Why the checkout at `root` needs a build, or null when dist/ is newer than every source. */
export function staleReason(root = ROOT) {
  let stamp;
  try {
    stamp = fs.statSync(path.join(root, STAMP)).mtimeMs;
  } catch {
    return 'dist/ was never built here';
  }
  const changed = changedSince(root, stamp);
  return changed && `${changed} changed since the last build`;
}

export async function build() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', ROOT], { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) process.exit(result.status ?? 1);
  await bundleSupervisorctl();
  fs.writeFileSync(path.join(ROOT, STAMP), `${new Date().toISOString()}\n`);
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (!isMain) {
  // imported (the tests): nothing to run
} else if (process.argv.includes('--if-stale')) {
  const reason = staleReason();
  if (reason) {
    console.error(`build: ${reason}: compiling`);
    await build();
  } else {
    console.error('build: dist/ is up to date, no compile');
  }
} else {
  await build();
}
