#!/usr/bin/env node
// CommonJS, like every bin/ script (bin/package.json: supervisorctl starts faster so).
'use strict';
import('../dist/src/cli/echo_supervisord_conf.js').then(({ main }) => main());
