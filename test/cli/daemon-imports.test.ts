// What supervisord loads at start-up stays in its private memory for good, and what a module
// allocates while it loads grows V8's young generation (issue 20, docs/decisions/0020): prom-client
// at the top of the metrics module and ws at the top of the web layer cost ~4 MiB of anonymous
// memory in every daemon, scraped or not, its pages opened or not. Packages are imported where
// they are first used (the first scrape, the first WebSocket upgrade).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/daemon.js';

const DIST = path.join(REPO_ROOT, 'dist', 'src');
// bin/supervisord.js runs the entry, which imports these before main() (supervisord-entry.ts)
const STARTUP = ['cli/supervisord-entry.js', 'config/loader.js', 'process/supervisor.js', 'rpc/servers.js', 'cli/supervisord.js'];

/** Every module reached from `files` through static imports (tsc's output: one `import ... from '...'` per line), and the bare specifiers among them. */
function staticGraph(files: string[]): { modules: Set<string>; packages: Map<string, string> } {
  const modules = new Set<string>();
  const packages = new Map<string, string>();
  const queue = files.map((f) => path.join(DIST, f));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
      const specifier = (m[1] ?? m[2])!;
      if (specifier.startsWith('.')) queue.push(path.resolve(path.dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.set(specifier, path.relative(DIST, file));
    }
  }
  return { modules, packages };
}

test('supervisord loads no npm package at start-up: prom-client, ws and the rest are imported where first used', () => {
  const { modules, packages } = staticGraph(STARTUP);
  assert.ok(modules.size > 50, `the graph was read (${modules.size} modules)`);
  assert.deepEqual(Object.fromEntries(packages), {}, 'package -> the start-up module importing it');
});

test('the metrics and the web layer are reached at start-up, so the check above covers them', () => {
  const { modules } = staticGraph(STARTUP);
  for (const file of ['metrics/daemon-metrics.js', 'web/frontend.js']) assert.ok(modules.has(path.join(DIST, file)), file);
});
