// A reload (SIGHUP) imports a plugin module edited on disk anew, so its new code runs, and leaves
// an unchanged module as it was imported (not evaluated again): each module records its imports
// (module-level code) and its calls in files of the run's directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, makeTempDir, waitFor, writeConfig } from '../helpers/daemon.js';
import { startWithStdout } from './helpers.js';

/**
 * A plugin module that appends "NAME VERSION imported" to imports.log when evaluated, and
 * "NAME VERSION setup" and "NAME VERSION RUNNING program" to calls.log when called.
 */
function pluginModule(name: string, version: string, format: 'esm' | 'cjs'): string {
  const body = `
const here = ${format === 'esm' ? "new URL('.', import.meta.url).pathname" : '__dirname + "/"'};
const record = (file, line) => fs.appendFileSync(here + file, line + '\\n');
record('imports.log', '${name} ${version} imported');
const plugin = {
  name: '${name}',
  version: '${version}',
  events: ['PROCESS_STATE_RUNNING'],
  options: {},
  setup() {
    record('calls.log', '${name} ${version} setup');
    return { event: (event) => record('calls.log', '${name} ${version} RUNNING ' + event.processname) };
  },
};
`;
  return format === 'esm' ? `import fs from 'node:fs';\n${body}export default plugin;\n` : `const fs = require('node:fs');\n${body}module.exports = plugin;\n`;
}

test('SIGHUP imports an edited plugin module anew (ESM and CommonJS) and leaves an unchanged one as it was', async () => {
  const dir = makeTempDir('sv-plugin-reload-');
  const write = (file: string, text: string): void => fs.writeFileSync(path.join(dir, file), text);
  write('edited.mjs', pluginModule('edited', '1.0.0', 'esm'));
  write('legacy.cjs', pluginModule('legacy', '1.0.0', 'cjs'));
  write('steady.mjs', pluginModule('steady', '1.0.0', 'esm'));
  const conf = writeConfig(
    dir,
    `[program:keepalive]\ncommand=${path.join(FIXTURES, 'forever.sh')}\nstartsecs=0\n\n` +
      `[plugin:edited]\nmodule=./edited.mjs\n\n[plugin:legacy]\nmodule=./legacy.cjs\n\n[plugin:steady]\nmodule=./steady.mjs\n`,
  );
  const lines = (file: string): string[] => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), 'utf8').split('\n').slice(0, -1) : []);
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    const ran = (name: string, version: string): boolean => lines('calls.log').includes(`${name} ${version} RUNNING keepalive`);
    await waitFor(() => ran('edited', '1.0.0') && ran('legacy', '1.0.0') && ran('steady', '1.0.0'), 15_000, 'the first run of the three plugins');
    write('edited.mjs', pluginModule('edited', '2.0.0', 'esm'));
    write('legacy.cjs', pluginModule('legacy', '2.0.0', 'cjs'));
    daemon.child.kill('SIGHUP');
    await waitFor(() => ran('edited', '2.0.0') && ran('legacy', '2.0.0') && lines('calls.log').filter((l) => l === 'steady 1.0.0 RUNNING keepalive').length === 2, 15_000, `the second run\n${lines('calls.log').join('\n')}`);
  } finally {
    await daemon.stop();
  }
  // the unchanged module was evaluated once: its second setup ran on the instance of the first run
  assert.deepEqual(lines('imports.log').sort(), ['edited 1.0.0 imported', 'edited 2.0.0 imported', 'legacy 1.0.0 imported', 'legacy 2.0.0 imported', 'steady 1.0.0 imported']);
  assert.equal(lines('calls.log').filter((l) => l === 'steady 1.0.0 setup').length, 2);
  const calls = lines('calls.log');
  assert.deepEqual(calls.slice(calls.indexOf('edited 2.0.0 setup')).filter((l) => l.startsWith('edited 1.0.0')), [], 'the old code runs no more after the reload');
  const log = daemon.mainLog();
  assert.match(log, /INFO plugin edited: started \(edited 2\.0\.0, its module changed on disk: imported anew\)/);
  assert.match(log, /INFO plugin legacy: started \(legacy 2\.0\.0, its module changed on disk: imported anew\)/);
  assert.equal((log.match(/INFO plugin steady: started \(steady 1\.0\.0\)\n/g) ?? []).length, 2, 'the unchanged module is said to be started, and nothing more');
});
