#!/usr/bin/env node
// Runs in this very process (no wrapper fork), so signals and getPID() reach the daemon itself.
import { main } from '../dist/src/cli/pidproxy.js';

await main();
