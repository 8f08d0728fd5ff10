import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLimit } from '../../src/daemon/rlimits.js';

const SAMPLE = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96365                96365                processes
Max open files            1024                 unlimited            files
`;

test('readLimit parses /proc/self/limits rows, unlimited as -1', () => {
  assert.deepEqual(readLimit('RLIMIT_NOFILE', SAMPLE), { soft: 1024, hard: -1 });
  assert.deepEqual(readLimit('RLIMIT_NPROC', SAMPLE), { soft: 96365, hard: 96365 });
});

test('readLimit reads this process', () => {
  const limit = readLimit('RLIMIT_NOFILE');
  assert.ok(limit && (limit.soft === -1 || limit.soft > 0));
});
