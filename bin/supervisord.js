#!/usr/bin/env node
// Runs in this very process (no wrapper fork), so signals and getPID() reach the daemon itself.
// Nothing else is imported here: the descriptor check must come before supervisord's modules load.
// CommonJS, like every bin/ script (bin/package.json: supervisorctl starts faster so); the ES
// modules load through import(), and a failure is an unhandled rejection: printed, exit status 1.
'use strict';
import('../dist/src/cli/supervisord-entry.js').then(({ startSupervisord }) => startSupervisord());
