// Properties of the config reader: the ini reader, %-expansion and the whole loader. Whatever the
// text, the only error that may come out is the reader's own (IniParseError, PyValueError,
// ConfigError); simple files read back as written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ConfigError } from '../../../src/config/errors.js';
import { expand, type Expansions } from '../../../src/config/expand.js';
import { IniDocument, IniParseError } from '../../../src/config/ini.js';
import { loadConfig } from '../../../src/config/loader.js';
import { fileUserDatabase } from '../../../src/config/users.js';
import { PyValueError, pyRstrip, pyStrip } from '../../../src/config/python.js';
import { configText, formatString, iniSoup, layout, renderSimple, simpleMeaning, simpleSections } from './config-generators.js';
import { fuzzProperty, scratchDir, type FuzzProperty, type FuzzSuite } from './suite.js';

export const FORMAT_NAMES: Expansions = new Map<string, string | number>([
  ['ENV_HOME', '/root'],
  ['group_name', 'g'],
  ['here', '/etc/supervisor'],
  ['numprocs', 2],
  ['process_num', -3],
  ['program_name', 'web'],
]);

/** Reads `text`; returns the document, or the IniParseError (anything else is thrown on). */
export function readIni(text: string): IniDocument | IniParseError {
  const doc = new IniDocument();
  try {
    doc.read(text, '/fuzz.conf');
    return doc;
  } catch (err) {
    if (err instanceof IniParseError) return err;
    throw err;
  }
}

function expectOnly<E>(run: () => unknown, ...allowed: Array<abstract new (...args: never[]) => E>): void {
  try {
    run();
  } catch (err) {
    if (allowed.some((type) => err instanceof type)) return;
    throw err;
  }
}

const ENV = { HOME: '/root', USER: 'root', PATH: '/usr/bin:/bin' };

function configProperties(dir: string): FuzzProperty[] {
  const file = path.join(dir, 'supervisord.conf');
  // this machine's users, read once instead of once per load
  const users = fileUserDatabase();
  // included files the generated [include] sections may name
  fs.mkdirSync(path.join(dir, 'conf.d'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'conf.d', 'a.conf'), '[program:included]\ncommand=/bin/true\n');
  fs.writeFileSync(path.join(dir, 'extra.ini'), '[group:g]\nprograms=web\n');

  return [
    fuzzProperty(
      'ini reader: any text parses or fails with IniParseError; values are stripped',
      10_000,
      fc.property(fc.oneof(iniSoup, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        const doc = readIni(text);
        if (doc instanceof IniParseError) return;
        for (const section of doc.sections()) {
          for (const [key, value] of doc.items(section)) {
            assert.ok(!/[=:]/.test(key), `key ${JSON.stringify(key)} holds a delimiter`);
            // each line of a value was stripped; the joined value lost its trailing blank lines
            for (const line of value.split('\n')) assert.equal(line, pyStrip(line), `value ${JSON.stringify(value)} has an unstripped line`);
            assert.equal(value, pyRstrip(value));
            assert.equal(doc.get(section, key), value);
          }
        }
      }),
    ),
    fuzzProperty(
      'ini reader: a simple file reads back as written, whatever its layout',
      10_000,
      fc.property(simpleSections, layout, (sections, how) => {
        const doc = readIni(renderSimple(sections, how));
        assert.ok(!(doc instanceof IniParseError), doc instanceof Error ? doc.message : '');
        const meaning = simpleMeaning(sections);
        assert.deepEqual(doc.sections(), [...meaning.sections.keys()]);
        for (const [name, own] of meaning.sections) {
          const expected = new Map(meaning.defaults);
          for (const [k, v] of own) expected.set(k, v);
          assert.deepEqual(new Map(doc.items(name)), expected, name);
        }
      }),
    ),
    fuzzProperty(
      '%-expansion: any format string expands or fails with PyValueError',
      10_000,
      fc.property(fc.oneof(formatString, fc.string({ unit: 'binary-ascii', maxLength: 30 })), (format) => {
        expectOnly(() => expand(format, FORMAT_NAMES, 'program:web.command'), PyValueError);
      }),
    ),
    fuzzProperty(
      'loadConfig: a generated config loads or fails with ConfigError (strict and relaxed)',
      10_000,
      fc.property(configText(dir), fc.boolean(), (text, relaxed) => {
        fs.writeFileSync(file, text);
        expectOnly(() => loadConfig(file, { cwd: dir, env: ENV, hostname: 'fuzz', relaxed, users }), ConfigError);
      }),
    ),
    fuzzProperty(
      'loadConfig: arbitrary bytes load or fail with ConfigError',
      10_000,
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (withHeader, bytes) => {
        fs.writeFileSync(file, withHeader ? Buffer.concat([Buffer.from('[supervisord]\n'), bytes]) : bytes);
        expectOnly(() => loadConfig(file, { cwd: dir, env: ENV, hostname: 'fuzz', relaxed: true, users }), ConfigError);
      }),
    ),
  ];
}

export const configSuite: FuzzSuite = {
  name: 'config',
  open: async () => {
    const dir = scratchDir('sv-fuzz-config-');
    return { properties: configProperties(dir), close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
};
