#!/usr/bin/env node
// The listener test bench: runs an [eventlistener:x] command against sample or recorded events.
// CommonJS, like every bin/ script (bin/package.json: supervisorctl starts faster so).
'use strict';
import('../dist/src/cli/listener-test.js').then(({ main }) => main());
