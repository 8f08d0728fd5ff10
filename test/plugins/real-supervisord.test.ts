// The real supervisord 4.2.5 must still accept a file with [plugin:x] sections (it ignores
// section types it does not know): checked with its own config loader.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../helpers/daemon.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

test('4.2.5 accepts a config with [plugin:x] sections of every built-in plugin', () => {
  const dir = makeTempDir('sv-plugin-425-');
  const file = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    file,
    `[supervisord]\nlogfile=${dir}/supervisord.log\n\n[program:web]\ncommand=/bin/cat\n\n` +
      `[plugin:prefix]\nmodule=stdout-prefix\nevents=PROCESS_LOG\nformat={program} {stream} | {line}\ncolor=auto\n\n` +
      `[plugin:ship]\nmodule=fluentd\nhost=127.0.0.1\nport=24224\ntag=supervisor.{program}.{stream}\nbuffer_max_bytes=8388608\nspool_max_bytes=268435456\n\n` +
      `[plugin:alerts]\nmodule=webhook\nurl=https://hooks.example.com/T0/B0/x\ntemplate=slack\non=fatal,flapping,recovery\nsecret=abc ; a comment\n\n` +
      `[plugin:mine]\nmodule=./plugins/my-plugin.js\nevents=PROCESS_STATE_FATAL, PROCESS_LOG_STDERR\nprograms=web\n`,
  );
  const dump = JSON.parse(execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, file], { encoding: 'utf8' })) as { ok: boolean; error?: unknown; groups?: { name: string }[] };
  assert.equal(dump.ok, true, `4.2.5 rejected the file: ${JSON.stringify(dump.error)}`);
  assert.deepEqual(dump.groups?.map((g) => g.name), ['web']);
});
