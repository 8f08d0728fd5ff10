// readLogSlice and tailLog against 4.2.5's readFile/tailFile, run on the same files by Python.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogDecodeError, LogReadError, LogReadTooLargeError, MAX_LOG_READ_BYTES, readLogSlice, tailLog } from '../../src/output/tail.js';

let dir: string;
let file: string;

function python(code: string): unknown {
  const script = `import json, sys\nfrom supervisor.options import readFile, tailFile\n${code}`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }));
}

function pythonRead(offset: number, length: number): string {
  return python(`
try:
    print(json.dumps(readFile(${JSON.stringify(file)}, ${offset}, ${length}).decode()))
except ValueError as e:
    print(json.dumps('fault:' + e.args[0]))`) as string;
}

function ourRead(offset: number, length: number): string {
  try {
    return readLogSlice(file, offset, length);
  } catch (err) {
    if (err instanceof LogReadError) return `fault:${err.fault}`;
    throw err;
  }
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tail-'));
  file = path.join(dir, 'app.log');
  fs.writeFileSync(file, 'hello\nworld, this is line two\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readLogSlice', () => {
  it('matches 4.2.5 readFile for every offset/length case of rpc.md 7.4', () => {
    const cases: [number, number][] = [
      [0, 0], [0, 3], [2, 100], [6, 0], [31, 0], [100, 0], [100, 5], [-3, 0], [-100, 0],
      [-3, 2], [0, -1], [5, -5], [-1, -1],
    ];
    for (const [offset, length] of cases) {
      assert.equal(ourRead(offset, length), pythonRead(offset, length), `readFile(${offset}, ${length})`);
    }
  });

  it('throws NO_FILE for a missing file and LogDecodeError for a cut character', () => {
    assert.throws(() => readLogSlice(path.join(dir, 'missing.log'), 0, 0), (err: unknown) => err instanceof LogReadError && err.fault === 'NO_FILE');
    const accented = path.join(dir, 'accent.log');
    fs.writeFileSync(accented, 'é\n');
    assert.throws(() => readLogSlice(accented, -2, 0), LogDecodeError);
    assert.equal(readLogSlice(accented, -3, 0), 'é\n');
  });
  it('reads up to MAX_LOG_READ_BYTES and refuses one byte more before reading anything', () => {
    const sparse = path.join(dir, 'sparse.log');
    fs.writeFileSync(sparse, '');
    fs.truncateSync(sparse, MAX_LOG_READ_BYTES + 1);
    assert.equal(readLogSlice(sparse, 1, 0).length, MAX_LOG_READ_BYTES);
    assert.equal(readLogSlice(sparse, -MAX_LOG_READ_BYTES, 0).length, MAX_LOG_READ_BYTES);
    assert.equal(readLogSlice(sparse, 0, MAX_LOG_READ_BYTES).length, MAX_LOG_READ_BYTES);
    for (const [offset, length] of [[0, 0], [-MAX_LOG_READ_BYTES - 1, 0], [0, MAX_LOG_READ_BYTES + 1]] as const) {
      assert.throws(
        () => readLogSlice(sparse, offset, length),
        (err: unknown) => err instanceof LogReadTooLargeError && err.fault === 'FAILED' && /exceeds the 64 MiB/.test(err.message),
        `readLogSlice(${offset}, ${length})`,
      );
    }
    assert.equal(tailLog(sparse, 1, MAX_LOG_READ_BYTES)[0].length, MAX_LOG_READ_BYTES);
    assert.throws(() => tailLog(sparse, 0, MAX_LOG_READ_BYTES + 1), LogReadTooLargeError);
    // a length far past the end of a small file reads what is there
    assert.deepEqual(tailLog(file, 0, 2 ** 40), [fs.readFileSync(file, 'utf8'), fs.statSync(file).size, false]);
    fs.rmSync(sparse);
  });
});

describe('tailLog', () => {
  it('matches 4.2.5 tailFile, including the overflow flag', () => {
    const cases: [number, number][] = [[0, 3], [2, 100], [6, 100], [100, 5], [0, 0], [31, 10], [30, 1], [-5, 3]];
    for (const [offset, length] of cases) {
      const expected = python(`print(json.dumps(tailFile(${JSON.stringify(file)}, ${offset}, ${length})))`);
      assert.deepEqual(tailLog(file, offset, length), expected, `tailFile(${offset}, ${length})`);
    }
  });

  it('gives the verified rpc.md examples on a 6-byte log', () => {
    const small = path.join(dir, 'small.log');
    fs.writeFileSync(small, 'hello\n');
    assert.deepEqual(tailLog(small, 0, 3), ['lo\n', 6, true]);
    assert.deepEqual(tailLog(small, 2, 100), ['hello\n', 6, false]);
    assert.deepEqual(tailLog(small, 6, 100), ['', 6, false]);
    assert.deepEqual(tailLog(small, 100, 5), ['', 6, false]);
  });
});
