#!/usr/bin/env node
// Runs in this very process (no wrapper fork), so signals and getPID() reach the daemon itself.
// The one-file bundle (scripts/bundle.mjs, built with dist/) starts on far less CPU than the modules
// it is made of, and every supervisorctl call pays that start. A bare `tsc -p .` since the last
// bundle leaves it older than the modules: then they run, so what runs is always what was built.
import { statSync } from 'node:fs';

const bundle = new URL('../dist/bundle/supervisorctl.js', import.meta.url);
const modules = new URL('../dist/src/cli/supervisorctl.js', import.meta.url);

function mtime(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return -Infinity;
  }
}

const { main } = await import((mtime(bundle) >= mtime(modules) ? bundle : modules).href);
await main();
