#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// Run as a program (a kubelet's exec probe, npm's bin link, a script), the two lines above are a
// shell script, which node reads as a string and a comment: node's start-up parses every CA
// certificate of NODE_EXTRA_CA_CERTS (30-40 ms of CPU, more than the rest of a call), and
// supervisorctl makes no TLS connection (serverurl is http:// or unix://), so the shell drops the
// variable and execs node in the same process. `node bin/supervisorctl.js` skips them, as before.
// (Not `#!/usr/bin/env -S ...`: BusyBox's env, Alpine's, has no -S.) docs/decisions/0014.
//
// Runs in this very process (no wrapper fork), so signals and getPID() reach the daemon itself.
// Every supervisorctl call (an exec probe every few seconds) pays for its start, so this entry is
// CommonJS (bin/package.json: no ES module loader) and runs the one-file CommonJS bundle
// (scripts/bundle.mjs) compiled from V8's code cache written with it: docs/decisions/0014.
// A bare `tsc -p .` since the last bundle leaves it older than the modules: then they run (through
// import()), so what runs is always what was built.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const BUNDLE = path.join(__dirname, '..', 'dist', 'bundle', 'supervisorctl.cjs');
const CODE_CACHE = `${BUNDLE}.cache`;
const MODULES = path.join(__dirname, '..', 'dist', 'src', 'cli', 'supervisorctl.js');

function mtime(file) {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
  } catch {
    return -Infinity;
  }
}

/**
 * The bundle compiled as require() would, but from the code cache when there is one as new as the
 * bundle: V8 checks the cache's V8 version, flags and source length, not the text, so the age
 * check keeps a cache from another bundle of the same length out. Returns { exports, script }.
 */
function loadBundle(bundleMtime = mtime(BUNDLE)) {
  // node:module's own class (require('node:module') without loading that module's extras)
  const Module = module.constructor;
  let cachedData;
  if (mtime(CODE_CACHE) >= bundleMtime) {
    try {
      cachedData = fs.readFileSync(CODE_CACHE);
    } catch {
      // unreadable: compile without it
    }
  }
  const source = fs.readFileSync(BUNDLE, 'utf8');
  // the function require() would make of the file, so the bundle runs as a CommonJS module
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  // (no importModuleDynamically: node 20 gives such a script no import(), so the bundle has none,
  // which scripts/bundle.mjs checks)
  const script = new vm.Script(wrapped, { filename: BUNDLE, cachedData });
  const bundleModule = { exports: {}, filename: BUNDLE };
  script.runInThisContext().call(bundleModule.exports, bundleModule.exports, Module.createRequire(BUNDLE), bundleModule, BUNDLE, path.dirname(BUNDLE));
  return { exports: bundleModule.exports, script };
}

if (require.main !== module) {
  // scripts/bundle-cache.cjs writes the code cache through the same loader
  module.exports = { loadBundle, BUNDLE, CODE_CACHE };
} else {
  const bundleMtime = mtime(BUNDLE);
  if (bundleMtime >= mtime(MODULES)) loadBundle(bundleMtime).exports.main();
  else import(require('node:url').pathToFileURL(MODULES).href).then(({ main }) => main());
}
