#!/usr/bin/env node
// Runs a plugin (built-in name or path to a JS module) as an [eventlistener:x] command:
//   command=node .../dist/plugins/run-as-listener.js stdout-prefix "format={program} | {line}"
import { runModuleAsListener } from '../src/plugins/as-listener.js';

const [moduleKey, ...args] = process.argv.slice(2);
if (!moduleKey) {
  process.stderr.write('usage: run-as-listener MODULE [key=value ...]\n');
  process.exit(2);
}
runModuleAsListener(moduleKey, { args }).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`run-as-listener: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(2);
  },
);
