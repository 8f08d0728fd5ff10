#!/usr/bin/env node
// Runs in this very process (no wrapper fork), so signals and getPID() reach the daemon itself.
// CommonJS, like every bin/ script (bin/package.json: supervisorctl starts faster so).
'use strict';
import('../dist/src/cli/pidproxy.js').then(({ main }) => main());
