#!/usr/bin/env node
// supervisorctl from tsc's modules (dist/src), bypassing the bundle bin/supervisorctl.js prefers:
// bench/ctl-cpu.mjs shows what the bundle saves.
import { main } from '../../dist/src/cli/supervisorctl.js';

await main();
