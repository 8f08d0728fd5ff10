// Writes V8's code cache of the supervisorctl bundle (dist/bundle/supervisorctl.cjs.cache), which
// bin/supervisorctl.js compiles it from: run by scripts/bundle.mjs in a node of its own, right after
// esbuild. V8 caches the functions compiled so far, so the bundle first runs what every call runs:
// the command line, the config, the controller and a request, here `status app` against a socket
// that does not exist (no daemon needed at build time; the call fails, which is expected).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { loadBundle, CODE_CACHE } = require('../bin/supervisorctl.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-bundle-cache-'));
const conf = path.join(dir, 'supervisord.conf');
fs.writeFileSync(conf, `[supervisorctl]\nserverurl=unix://${path.join(dir, 'no-daemon.sock')}\n`);
const { exports: ctl, script } = loadBundle();
process.on('exit', () => {
  const partial = `${CODE_CACHE}.${process.pid}`;
  fs.writeFileSync(partial, script.createCachedData());
  fs.renameSync(partial, CODE_CACHE);
  fs.rmSync(dir, { recursive: true, force: true });
});
ctl.main(['-c', conf, 'status', 'app'], 'supervisorctl');
