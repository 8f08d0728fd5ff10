// Every supervisorctl call (an exec probe every few seconds in every pod) pays for what the bundle
// loads before main() runs. A package imported at the top of a command module (ws, for `events`)
// once made a `status` call cost 1.7x more CPU; such imports belong inside the command that needs them.
// Built-ins cost too: zlib, pulled in by a constant the config reader took from the pool spool, was
// 0.3 ms of a call that has about 12 ms above bare node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/daemon.js';

test('the supervisorctl bundle loads only Node built-ins before main(); packages are imported where used', () => {
  const bundle = fs.readFileSync(path.join(REPO_ROOT, 'dist', 'bundle', 'supervisorctl.cjs'), 'utf8');
  // a CommonJS bundle: esbuild writes each import as a require() at the top level, unindented;
  // those inside functions (loaded when used) are indented
  const specifiers = [...bundle.matchAll(/^\S.*?\brequire\("([^"]+)"\)/gm)].map((m) => m[1]);
  assert.ok(specifiers.length > 0, 'the bundle has its imports as top-level require() calls, as esbuild writes them');
  assert.deepEqual(specifiers.filter((s) => !s!.startsWith('node:')), []);
});

test('the built-ins the supervisorctl bundle loads before main() are the few every call uses', () => {
  const bundle = fs.readFileSync(path.join(REPO_ROOT, 'dist', 'bundle', 'supervisorctl.cjs'), 'utf8');
  const builtins = new Set([...bundle.matchAll(/^\S.*?\brequire\("(node:[^"]+)"\)/gm)].map((m) => m[1]));
  // (node:os loads only for %(host_node_name)s or a default childlogdir, which a ctl config never needs)
  const everyCall = new Set(['node:fs', 'node:net', 'node:path', 'node:process', 'node:url']);
  assert.deepEqual([...builtins].filter((b) => !everyCall.has(b!)), []);
});
