// bin/supervisorctl.js compiles the bundle from V8's code cache written with it (ADR 0014): a call
// costs about 2.5 ms less CPU so. V8 drops a cache it cannot use without a word (another node, other
// flags), which would silently lose that; and it checks only the source's length, so a cache older
// than the bundle must never be handed to it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, makeTempDir } from '../helpers/daemon.js';

/** What loadBundle() of the bin/supervisorctl.js under `root` did with the cache, from a plain node. */
function cacheUse(root: string): string {
  const probe = `const { script } = require(${JSON.stringify(path.join(root, 'bin', 'supervisorctl.js'))}).loadBundle();
    console.log(script.cachedDataRejected === undefined ? 'not given' : script.cachedDataRejected ? 'rejected' : 'accepted');`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('the built bundle is compiled from its code cache, which V8 accepts', () => {
  const bundle = path.join(REPO_ROOT, 'dist', 'bundle', 'supervisorctl.cjs');
  assert.ok(fs.statSync(`${bundle}.cache`).mtimeMs >= fs.statSync(bundle).mtimeMs, 'the cache is as new as the bundle');
  assert.equal(cacheUse(REPO_ROOT), 'accepted');
});

test('a code cache older than the bundle is not used, and supervisorctl still runs', (t) => {
  const root = makeTempDir('sv-code-cache-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const file of ['bin/package.json', 'bin/supervisorctl.js', 'dist/bundle/supervisorctl.cjs', 'dist/bundle/supervisorctl.cjs.cache']) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  }
  const cache = path.join(root, 'dist', 'bundle', 'supervisorctl.cjs.cache');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(cache, old, old);
  assert.equal(cacheUse(root), 'not given');

  const conf = path.join(root, 'supervisord.conf');
  fs.writeFileSync(conf, `[supervisorctl]\nserverurl=unix://${path.join(root, 'none.sock')}\n`);
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'supervisorctl.js'), '-c', conf, 'status'], { encoding: 'utf8' });
  assert.equal(r.stdout, `unix://${path.join(root, 'none.sock')} no such file\n`);
  assert.equal(r.status, 4);
});

test('the code cache is made from a call our supervisord answered, so the answer\'s path is in it too', (t) => {
  const dir = makeTempDir('sv-code-cache-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'supervisorctl.cjs.cache');
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'bundle-cache.cjs'), out], { encoding: 'utf8' });
  assert.equal(r.stderr, '', 'no word of a daemon that did not answer');
  assert.match(r.stdout, /^bundle-cache: made from a call our supervisord answered: app +RUNNING +pid \d+/);
  assert.equal(r.status, 0);
  assert.ok(fs.statSync(out).size > 0);
});
