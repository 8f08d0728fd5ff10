#!/usr/bin/env node
// Runs in this very process (no wrapper fork), so signals and getPID() reach the daemon itself.
// CommonJS (bin/package.json), like the one-file bundle it loads (scripts/bundle.mjs, built with
// dist/): every supervisorctl call pays its start, and a CommonJS start skips the ES module loader.
// A bare `tsc -p .` since the last bundle leaves it older than the modules: then they run (through
// import()), so what runs is always what was built.
'use strict';
const { statSync } = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'bundle', 'supervisorctl.cjs');
const modules = path.join(__dirname, '..', 'dist', 'src', 'cli', 'supervisorctl.js');

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -Infinity;
  }
}

if (mtime(bundle) >= mtime(modules)) {
  require(bundle).main();
} else {
  import(require('node:url').pathToFileURL(modules).href).then(({ main }) => main());
}
