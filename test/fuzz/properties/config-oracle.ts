// Supervisor 4.2.5 itself as the oracle for generated input: thousands of ini texts and %-format
// strings answered by one Python process (test/fuzz/oracle/config-oracle.py), and a few dozen
// whole generated configs dumped by shared/tools/sv-dump-config.py, compared with ours.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { renderDump } from '../../../src/config/dump.js';
import { expand } from '../../../src/config/expand.js';
import { IniParseError } from '../../../src/config/ini.js';
import { loadConfigResult } from '../../../src/config/loader.js';
import { REPO_ROOT } from '../../helpers/daemon.js';
import { SV_DUMP_CONFIG } from '../../helpers/shared.js';
import { FORMAT_NAMES, readIni } from './config.js';
import { configText, formatString, iniSoup } from './config-generators.js';

const PYTHON = '/usr/bin/python3';
const ORACLE = path.join(REPO_ROOT, 'test', 'fuzz', 'oracle', 'config-oracle.py');
const DUMP = SV_DUMP_CONFIG;

type Answer =
  | { ok: true; sections?: Array<[string, Array<[string, string]>]>; value?: string }
  | { ok: false; error: string }
  | { ok: null; unassigned: true };

/** One mismatch between ours and 4.2.5, with what is needed to reproduce it. */
export interface Mismatch {
  input: string;
  ours: unknown;
  reference: unknown;
}

function askPython(requests: object[]): Answer[] {
  const out = execFileSync(PYTHON, ['-X', 'utf8', ORACLE], { input: JSON.stringify(requests), maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out.toString('utf8')) as Answer[];
}

function oursIni(text: string): Answer {
  const doc = readIni(text);
  if (doc instanceof IniParseError) return { ok: false, error: doc.message };
  return { ok: true, sections: doc.sections().map((s) => [s, doc.items(s)]) };
}

function oursFormat(format: string): Answer {
  try {
    return { ok: true, value: expand(format, FORMAT_NAMES, 'program:web.command') };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** `count` generated ini texts and `count` format strings from `seed`; the ones where we differ from 4.2.5. */
export function compareReaderWithPython(count: number, seed: number): Mismatch[] {
  const texts = fc.sample(fc.oneof(iniSoup, fc.string({ unit: 'binary', maxLength: 80 })), { numRuns: count, seed });
  const formats = fc.sample(formatString, { numRuns: count, seed }).filter(pythonCanFormat);
  const names = [...FORMAT_NAMES];
  const answers = askPython([
    ...texts.map((ini) => ({ ini })),
    ...formats.map((format) => ({ format, names, key: 'program:web.command' })),
  ]);
  const mismatches: Mismatch[] = [];
  texts.forEach((text, i) => {
    if (answers[i]!.ok === null) return;
    const ours = oursIni(text);
    if (JSON.stringify(ours) !== JSON.stringify(answers[i])) mismatches.push({ input: text, ours, reference: answers[i] });
  });
  formats.forEach((format, i) => {
    const ours = oursFormat(format);
    const reference = answers[texts.length + i]!;
    if (reference.ok === null) return;
    if (JSON.stringify(ours) !== JSON.stringify(reference)) mismatches.push({ input: format, ours, reference });
  });
  return mismatches.sort((a, b) => a.input.length - b.input.length);
}

/**
 * False when Python would pad a field to a width or precision of millions (it refuses only past
 * sys.maxsize, 20 digits): gigabytes of spaces, where ours stops at MAX_FORMAT_FIELD.
 */
function pythonCanFormat(text: string): boolean {
  return !/(?<!\d)\d{7,19}(?!\d)/.test(text);
}

const run = promisify(execFile);
const DUMP_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', USER: 'root' };

/**
 * 4.2.5 looks the names of an events= line up in a Python set, whose order follows string hashes
 * (randomised per process): with two unknown names, which one its error names is chance. Either is right.
 */
function anyUnknownEventType(dump: string): string {
  return dump.replace(/Unknown event type .*? in \[/g, 'Unknown event type (one of them) in [');
}

/** `count` generated whole configs from `seed`, each loaded by ours and dumped by 4.2.5; the ones that differ. */
export async function compareLoaderWithSupervisor(count: number, seed: number): Promise<Mismatch[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-fuzz-oracle-'));
  try {
    // integers past 2**53 are rounded by ours (JS numbers) where Python keeps every digit: a known
    // difference for absurd values, left out of the comparison
    const texts = fc.sample(configText('/nonexistent-fuzz', false), { numRuns: count, seed }).filter((t) => pythonCanFormat(t) && !/\d{16}/.test(t));
    const mismatches: Mismatch[] = [];
    const compareOne = async (text: string, i: number): Promise<void> => {
      const dir = path.join(root, `case-${i}`);
      fs.mkdirSync(path.join(dir, 'conf.d'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'conf.d', 'a.conf'), '[program:included]\ncommand=/bin/true\n');
      fs.writeFileSync(path.join(dir, 'extra.ini'), '[group:g]\nprograms=web\n');
      const file = path.join(dir, 'supervisord.conf');
      fs.writeFileSync(file, text);
      const args = ['-e', 'HOME=/root', '-e', 'USER=root', file];
      const { stdout: reference } = await run(PYTHON, [DUMP, ...args], { env: { PATH: DUMP_ENV.PATH }, maxBuffer: 64 * 1024 * 1024 });
      const ours = renderDump(loadConfigResult(file, { env: DUMP_ENV, cwd: '/', relaxed: true, hostname: os.hostname() }));
      if (ours !== reference && anyUnknownEventType(ours) !== anyUnknownEventType(reference)) mismatches.push({ input: text, ours, reference });
    };
    // two at a time: this machine has two cores
    for (let i = 0; i < texts.length; i += 2) await Promise.all(texts.slice(i, i + 2).map((t, j) => compareOne(t, i + j)));
    return mismatches.sort((a, b) => a.input.length - b.input.length);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** A readable account of the first few mismatches. */
export function describeMismatches(what: string, seed: number, mismatches: Mismatch[]): string {
  const shown = mismatches.slice(0, 3).map((m) => `input: ${JSON.stringify(m.input)}\nours:      ${typeof m.ours === 'string' ? m.ours : JSON.stringify(m.ours)}\n4.2.5:     ${typeof m.reference === 'string' ? m.reference : JSON.stringify(m.reference)}`);
  return `${mismatches.length} ${what} differ from 4.2.5 (seed ${seed}; replay with FUZZ_SEED=${seed}); the shortest:\n${shown.join('\n---\n')}`;
}
