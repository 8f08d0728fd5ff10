// Every [program:x] key beyond 4.2.5 leaves a config usable by the real 4.2.5: its loader gives
// the same dump with and without them, ours gives that dump too, and the real supervisord runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { renderDump } from '../../src/config/dump.js';
import { loadConfigResult } from '../../src/config/loader.js';
import { SCHEMA } from '../../src/config/schema.js';
import { makeTempDir, waitFor, writeConfig } from '../helpers/daemon.js';
import { REFERENCE_SUPERVISORD } from '../helpers/parity.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

/** A valid value for each key beyond 4.2.5 (the test fails for a key added without one). */
const SAMPLES: Record<string, string> = {
  stdout_logfile_timestamps: 'true',
  stderr_logfile_timestamps: 'true',
  logfile_timestamp_format: 'YYYY-MM-DD HH:mm:ss',
  stdout_logfile_compress: 'true',
  stderr_logfile_compress: 'true',
  stdout_logfile_rotate: 'daily',
  stderr_logfile_rotate: 'hourly',
  log_line_maxbytes: '4KB',
  essential: 'false',
  backoff_strategy: 'exponential',
  backoff_max_secs: '30',
  retry_forever: 'true',
  depends_on: 'other:healthy',
  healthcheck_command: 'true',
  healthcheck_interval: '0.5',
  healthcheck_timeout: '2',
  healthcheck_retries: '3',
  healthcheck_start_period: '1',
  memory_limit: '512MB',
  memory_limit_grace: '10',
  rlimit_nofile: '1024',
  rlimit_core: '0:infinity',
  rlimit_nproc: '512',
  rlimit_as: '8GB',
  rlimit_cpu: '3600',
  // an empty list: a real file adds to the environment by design (test/config/environment-file.test.ts)
  environment_file: '',
};
// one health check per program
const EXCLUSIVE = new Set(['healthcheck_http', 'healthcheck_tcp']);

const beyond = SCHEMA.program.filter((k) => k.doc.startsWith('beyond 4.2.5')).map((k) => k.key);

test('every [program:x] key beyond 4.2.5 is ignored by the real 4.2.5 and read the same way by ours', async (t) => {
  for (const key of beyond) if (!EXCLUSIVE.has(key)) assert.ok(key in SAMPLES, `a sample value for ${key}`);
  const dir = makeTempDir();
  const program = (extra: string): string =>
    `[program:app]\ncommand=/bin/sh -c 'while :; do sleep 0.1; done'\nstartsecs=0\n${extra}\n[program:other]\ncommand=/bin/sh -c 'while :; do sleep 0.1; done'\nstartsecs=0\n`;
  const keys = Object.entries(SAMPLES).map(([k, v]) => `${k}=${v}`).join('\n');
  const plain = writeConfig(dir, program(''));
  const plainDump = execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, plain], { encoding: 'utf8' });
  const withKeys = path.join(dir, 'with-keys.conf');
  fs.writeFileSync(withKeys, fs.readFileSync(plain, 'utf8').replace(program(''), program(keys)));
  const keyedDump = execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, withKeys], { encoding: 'utf8' });
  assert.equal(keyedDump.replaceAll('with-keys.conf', 'supervisord.conf'), plainDump, '4.2.5 ignores them');
  assert.equal(renderDump(loadConfigResult(withKeys)), keyedDump, 'our dump is 4.2.5\'s');

  // the real supervisord runs the file
  const real = spawn(REFERENCE_SUPERVISORD, ['-n', '-c', withKeys], { stdio: 'ignore' });
  t.after(() => real.kill('SIGKILL'));
  const log = path.join(dir, 'supervisord.log');
  await waitFor(() => fs.existsSync(log) && /success: app entered RUNNING/.test(fs.readFileSync(log, 'utf8')) && /success: other entered RUNNING/.test(fs.readFileSync(log, 'utf8')), 15_000, '4.2.5 runs both programs');
  const exited = new Promise((resolve) => real.once('exit', resolve));
  real.kill('SIGTERM');
  await exited;
});
