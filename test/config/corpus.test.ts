// Every real-world config of shared/corpus must load with the same meaning 4.2.5 gives it: the
// dump of our loader must equal the answer key byte for byte.
import { CORPUS_DIR } from '../helpers/shared.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { renderDump } from '../../src/config/dump.js';
import { loadConfigResult } from '../../src/config/loader.js';

const CORPUS = CORPUS_DIR;
// the answer key has this staging directory baked into %(here)s and every message
const STAGE = '/tmp/sv-corpus';
const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', USER: 'root' };

const names = fs.readdirSync(path.join(CORPUS, 'configs')).sort();

/** Copies each file unless an identical copy is there already (parallel runs share the stage). */
function stage(): void {
  fs.mkdirSync(STAGE, { recursive: true });
  for (const name of names) {
    const source = fs.readFileSync(path.join(CORPUS, 'configs', name));
    const target = path.join(STAGE, name);
    if (fs.existsSync(target) && fs.readFileSync(target).equals(source)) continue;
    const temp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temp, source);
    fs.renameSync(temp, target);
  }
}

describe('corpus parity with Supervisor 4.2.5', () => {
  before(stage);

  test('the corpus has its 125 files', () => assert.equal(names.length, 125));

  for (const name of names) {
    test(name, () => {
      const expected = fs.readFileSync(path.join(CORPUS, 'expected', `${name}.json`), 'utf8');
      const actual = renderDump(loadConfigResult(path.join(STAGE, name), { env: ENV, cwd: '/', relaxed: true, hostname: 'vm' }));
      assert.equal(actual, expected);
    });
  }
});
