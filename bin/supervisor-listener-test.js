#!/usr/bin/env node
// The listener test bench: runs an [eventlistener:x] command against sample or recorded events.
import { main } from '../dist/src/cli/listener-test.js';

await main();
