// Secure defaults that need no daemon: credential checks compare digests in constant time and
// accept exactly the configured user and password; plugin module paths cannot reach outside the
// built-in directory by name, and a path is resolved from the config file's own directory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkAuthorization } from '../../src/rpc/auth.js';
import { importDefinition } from '../../src/plugins/loader.js';
import { makeTempDir } from '../helpers/daemon.js';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

test('credentials: only the exact user and password pass, whatever the lengths of the guesses (digests of equal length are compared)', () => {
  const plain = { username: 'admin', password: 'correct horse' };
  assert.equal(checkAuthorization(basic('admin:correct horse'), plain), 'ok');
  // crypto.timingSafeEqual throws on inputs of different lengths: comparing raw strings would throw
  // here instead of answering, comparing SHA-256 digests answers
  for (const guess of ['admin:', 'admin:c', 'admin:correct hors', 'admin:correct horse!', `admin:${'x'.repeat(10_000)}`, 'Admin:correct horse', 'admi:correct horse', ':correct horse', 'admin:correct horse:']) {
    assert.equal(checkAuthorization(basic(guess), plain), 'unauthorized', guess.slice(0, 40));
  }
  assert.equal(checkAuthorization(undefined, plain), 'unauthorized');
  assert.equal(checkAuthorization('Bearer abc', plain), 'unauthorized');
  assert.equal(checkAuthorization('Basic not*base64', plain), 'bad-request');
  // {SHA} passwords (4.2.5): hex SHA-1 of the password
  const sha = { username: 'admin', password: `{SHA}${createHash('sha1').update('s3cret').digest('hex')}` };
  assert.equal(checkAuthorization(basic('admin:s3cret'), sha), 'ok');
  assert.equal(checkAuthorization(basic(`admin:${sha.password}`), sha), 'unauthorized', 'the stored hash is not a password');
  assert.equal(checkAuthorization(basic('admin:s3cre'), sha), 'unauthorized');
  // no credentials configured: 4.2.5 lets everything in (warned about at start)
  assert.equal(checkAuthorization(undefined, null), 'ok');
});

test('plugin module paths: a built-in is matched by exact name only; anything else is a path from the config file directory', async () => {
  const dir = makeTempDir('sec-plugin-');
  try {
    const where = '[plugin:x] in /etc/supervisord.conf';
    // names that look like a built-in followed by a way out are not built-ins
    for (const moduleKey of ['stdout-prefix/../../../../etc/passwd', '../stdout-prefix', 'stdout-prefix/', './fluentd']) {
      await assert.rejects(importDefinition(moduleKey, dir, where), (err: Error) => {
        assert.match(err.message, new RegExp(`cannot load ${path.resolve(dir, moduleKey).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        return true;
      });
    }
    // a path is the config file's own business (like command=): resolved from its directory
    fs.writeFileSync(path.join(dir, 'mine.mjs'), "export default { name: 'mine', version: '1', options: {}, setup() { return {}; } };\n");
    assert.equal((await importDefinition('mine.mjs', dir, where)).name, 'mine');
    assert.equal((await importDefinition('stdout-prefix', dir, where)).name, 'stdout-prefix');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
