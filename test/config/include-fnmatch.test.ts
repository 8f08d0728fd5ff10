// [include] globs translate bracket expressions as Python 3.11's fnmatch does (4.2.5 runs on it):
// checked against python3's own fnmatchcase on patterns full of ranges, hyphens, `!`, `^`, `]`
// and backslashes, the characters where the translation has edge cases.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fnmatchRegExp } from '../../src/config/include.js';

const ORACLE = `
import fnmatch, itertools, json, random, sys
random.seed(int(sys.argv[1]))
alphabet = ['a', 'b', '-', '!', '^', ']', '[', '\\\\', 'z', '*', '?', 'é']
patterns = {'[a-\\\\]', '[]a]', '[!]a]', '[a-]', '[-a]', '[z-a]', '[a-c-e]', '[!a-c]', '[^a]', '[\\\\]', '[a-z-]', '[!-]', '[--a]', '[a--]', '[!]'}
for _ in range(1500):
    patterns.add('[' + ''.join(random.choice(alphabet) for _ in range(random.randint(0, 5))) + ']' + random.choice(['', 'a', '*']))
names = [''.join(t) for n in range(3) for t in itertools.product(['a', 'b', '-', '!', '^', ']', '[', '\\\\', 'z', 'é', 'x'], repeat=n)]
cases = []
for p in sorted(patterns):
    try:
        cases.append([p, [n for n in names if fnmatch.fnmatchcase(n, p)]])
    except Exception as e:
        cases.append([p, type(e).__name__])
print(json.dumps({'names': names, 'cases': cases}))
`;

test('bracket expressions match what Python 3.11 fnmatch matches, and never make an invalid RegExp', () => {
  const seed = Date.now() % 100000;
  const { names, cases } = JSON.parse(execFileSync('/usr/bin/python3', ['-c', ORACLE, String(seed)], { encoding: 'utf8', maxBuffer: 64 << 20 })) as {
    names: string[];
    cases: [string, string[] | string][];
  };
  assert.ok(cases.length > 500, `${cases.length} patterns`);
  for (const [pattern, expected] of cases) {
    let re: RegExp;
    try {
      re = fnmatchRegExp(pattern);
    } catch (err) {
      assert.fail(`${JSON.stringify(pattern)} (seed ${seed}): ${(err as Error).message}`);
    }
    if (typeof expected === 'string') continue; // Python itself fails on this one
    assert.deepEqual(names.filter((n) => re.test(n)), expected, `${JSON.stringify(pattern)} (seed ${seed})`);
  }
});
