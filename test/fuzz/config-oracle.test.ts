// Supervisor 4.2.5 as the oracle for generated input (see ./properties/config-oracle.ts): the ini
// reader and %-expansion on 10,000 generated cases each, whole configs on a few dozen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareLoaderWithSupervisor, compareReaderWithPython, describeMismatches } from './properties/config-oracle.js';

// a fresh seed per run, printed with any mismatch; FUZZ_SEED replays one
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;

test('ini reader and %-expansion agree with 4.2.5 on 10,000 generated texts and format strings each', () => {
  const mismatches = compareReaderWithPython(10_000, seed);
  assert.equal(mismatches.length, 0, describeMismatches('reader inputs', seed, mismatches));
});

test('loadConfig agrees with sv-dump-config.py on 30 generated configs', async () => {
  const mismatches = await compareLoaderWithSupervisor(30, seed);
  assert.equal(mismatches.length, 0, describeMismatches('configs', seed, mismatches));
});
