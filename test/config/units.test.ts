// The pure pieces, checked against what Python 3.11 / Supervisor 4.2.5 give for the same input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  autoRestart,
  boolean,
  byteSize,
  dictOfKeyValuePairs,
  inetAddress,
  listOfExitcodes,
  octalType,
  processOrGroupName,
  pythonNormpath,
  signalName,
  signalNumber,
} from '../../src/config/datatypes.js';
import { renderDump, pythonJson } from '../../src/config/dump.js';
import { expand } from '../../src/config/expand.js';
import { IniDocument } from '../../src/config/ini.js';
import { loadConfig } from '../../src/config/loader.js';
import { PyValueError, pyInt, pyRepr } from '../../src/config/python.js';
import { SCHEMA } from '../../src/config/schema.js';
import { configSearchPaths, findConfigFile, noConfigFileMessage } from '../../src/config/search.js';
import { shlexTokens } from '../../src/config/shlex.js';

function ini(text: string): IniDocument {
  const doc = new IniDocument();
  doc.read(text, '/x.conf');
  return doc;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('ini reader', () => {
  test('inline comments only after whitespace', () => {
    const doc = ini('[s]\na=x ; c\nb=x;c\nc=x #c\nd=x#c\ne=/usr/sbin/nginx -g "daemon off;"\nf=B="x;y"\n');
    assert.deepEqual(doc.items('s'), [
      ['a', 'x'],
      ['b', 'x;c'],
      ['c', 'x'],
      ['d', 'x#c'],
      ['e', '/usr/sbin/nginx -g "daemon off;"'],
      ['f', 'B="x;y"'],
    ]);
  });

  test('round-based comment search is not always leftmost (as ConfigParser)', () => {
    assert.equal(ini('[s]\nk=a;b ;c #d\n').get('s', 'k'), 'a;b ;c');
  });

  test('continuation lines keep blank lines, drop comment lines and trailing blanks', () => {
    assert.equal(ini('[s]\nk=one\n  two\n\n  ; note\n  three\n\n\n').get('s', 'k'), 'one\ntwo\n\nthree');
  });

  test('keys lower-cased, sections case-sensitive and whole, duplicates merged', () => {
    const doc = ini('[program:a.b]\nCommand : x\n[Program:y]\nk=1\n[program:a.b]\ncommand=y\n');
    assert.deepEqual(doc.sections(), ['program:a.b', 'Program:y']);
    assert.equal(doc.get('program:a.b', 'command'), 'y');
  });

  test('[DEFAULT] is inherited by every section', () => {
    const doc = ini('[DEFAULT]\nd=1\n[s]\nk=2\n');
    assert.deepEqual(doc.options('s'), ['k', 'd']);
    assert.equal(doc.get('s', 'd'), '1');
  });

  test('parse errors in Python format', () => {
    assert.equal(
      message(() => ini('[s]\nno delimiter here\nk=1\n\tbad\n')),
      "Source contains parsing errors: '/x.conf'\n\t[line  2]: 'no delimiter here\\n'",
    );
    assert.equal(
      message(() => ini('k=1\n')),
      "File contains no section headers.\nfile: '/x.conf', line: 1\n'k=1\\n'",
    );
  });
});

describe('%-expansion', () => {
  const names = new Map<string, string | number>([
    ['ENV_HOME', '/root'],
    ['program_name', 'x'],
    ['process_num', 3],
  ]);
  test('names, widths and %%', () => {
    assert.equal(expand('%(program_name)s-%(process_num)02d 100%%', names, 'k'), 'x-03 100%');
    assert.equal(expand('%(program_name)5s|%(process_num)-3d|%(process_num)#x', names, 'k'), '    x|3  |0x3');
  });
  test('bare %s is the repr of the dictionary', () => {
    assert.equal(expand('+%s', names, 'k'), "+{'ENV_HOME': '/root', 'program_name': 'x', 'process_num': 3}");
  });
  test("Python's error texts", () => {
    assert.equal(
      message(() => expand('%(foo)s', names, 'program:x.command')),
      "Format string '%(foo)s' for 'program:x.command' contains names ('foo') which cannot be expanded. Available names: ENV_HOME, process_num, program_name",
    );
    assert.match(message(() => expand('a%b', names, 'k')), /unsupported format character 'b' \(0x62\) at index 2$/);
    assert.match(message(() => expand('%d', names, 'k')), /%d format: a real number is required, not dict$/);
    assert.match(message(() => expand('%(program_name)d', names, 'k')), /a real number is required, not str$/);
    assert.match(message(() => expand('%(program_name', names, 'k')), /incomplete format key$/);
    assert.match(message(() => expand('50%', names, 'k')), /incomplete format$/);
    assert.match(message(() => expand('%s %s', names, 'k')), /not enough arguments for format string$/);
  });
});

describe('python helpers', () => {
  test('repr picks quotes and escapes like Python', () => {
    assert.equal(pyRepr("it's"), '"it\'s"');
    assert.equal(pyRepr('a\'b"c'), "'a\\'b\"c'");
    assert.equal(pyRepr('tab\there\n\x01é\u200b'), "'tab\\there\\n\\x01é\\u200b'");
  });
  test('int() accepts whitespace, signs and underscores', () => {
    assert.equal(pyInt(' +1_000 '), 1000);
    assert.equal(pyInt('-007'), -7);
    assert.equal(message(() => pyInt('1__0')), "invalid literal for int() with base 10: '1__0'");
    assert.equal(message(() => pyInt('')), "invalid literal for int() with base 10: ''");
    // CPython's %.200R: the repr cut to 200 code points (a fuzz case with a long %(here)s expansion found it)
    assert.equal(message(() => pyInt('é'.repeat(300))), `invalid literal for int() with base 10: '${'é'.repeat(199)}`);
  });
  test('json like json.dumps(indent=2, sort_keys=True, ensure_ascii=False)', () => {
    assert.equal(pythonJson({ b: [], a: { z: 'é"\n', y: null }, c: [1, true] }), '{\n  "a": {\n    "y": null,\n    "z": "é\\"\\n"\n  },\n  "b": [],\n  "c": [\n    1,\n    true\n  ]\n}');
  });
});

describe('datatypes', () => {
  test('boolean', () => {
    assert.equal(boolean('Yes'), true);
    assert.equal(boolean('OFF'), false);
    assert.equal(message(() => boolean('maybe')), "not a valid boolean value: 'maybe'");
  });
  test('byte size', () => {
    assert.equal(byteSize('50MB'), 52428800);
    assert.equal(byteSize('1kb'), 1024);
    assert.equal(message(() => byteSize('10XB')), "invalid literal for int() with base 10: '10xb'");
    assert.equal(message(() => byteSize('1K')), "invalid literal for int() with base 10: '1k'");
  });
  test('octal', () => {
    assert.equal(octalType('022'), 18);
    assert.equal(octalType('0o777'), 511);
    assert.equal(message(() => octalType('999')), '999 can not be converted to an octal type');
  });
  test('signals', () => {
    assert.equal(signalNumber('sigterm'), 15);
    assert.equal(signalNumber(' KILL '), 9);
    assert.equal(signalNumber('0'), 0);
    assert.equal(signalName(6), 'ABRT');
    assert.equal(signalName(0), '0');
    assert.equal(message(() => signalNumber('FOO')), "value 'FOO' is not a valid signal name");
    assert.equal(message(() => signalNumber('40')), "value '40' is not a valid signal number");
  });
  test('exit codes, autorestart, names, ports', () => {
    assert.deepEqual(listOfExitcodes('0, 2'), [0, 2]);
    assert.equal(message(() => listOfExitcodes('0,256')), "not a valid list of exit codes: '0,256'");
    assert.equal(autoRestart('UNEXPECTED'), 'unexpected');
    assert.equal(message(() => autoRestart('Sometimes')), "invalid 'autorestart' value 'sometimes'");
    assert.equal(processOrGroupName(' web '), 'web');
    assert.equal(message(() => processOrGroupName('a b')), "Invalid name: 'a b' because of character: ' '");
    assert.deepEqual(inetAddress('*:9001'), ['', 9001]);
    assert.deepEqual(inetAddress('LocalHost:80'), ['localhost', 80]);
    assert.equal(message(() => inetAddress('abc')), "not a valid port number: 'abc' ");
    assert.equal(message(() => inetAddress('h:99999')), '99999 is above upper bound (65535)');
  });
  test('normpath', () => {
    assert.equal(pythonNormpath('/a/./b/../c//d/'), '/a/c/d');
    assert.equal(pythonNormpath('//a/..'), '//');
  });
});

describe('environment= parsing', () => {
  test('shlex non-POSIX tokens keep quotes', () => {
    assert.deepEqual(shlexTokens('A="x,y",B=1', '/.+-():'), ['A', '=', '"x,y"', ',', 'B', '=', '1']);
  });
  test('verified conversions of config.md section 5', () => {
    assert.deepEqual({ ...dictOfKeyValuePairs(`A="x,y",B='z w',C=plain,D="a=b"`) }, { A: 'x,y', B: 'z w', C: 'plain', D: 'a=b' });
    assert.deepEqual({ ...dictOfKeyValuePairs('A = 1 , B = 2') }, { A: '1', B: '2' });
    assert.deepEqual({ ...dictOfKeyValuePairs('A=/p/a-b.c:d(e)+f') }, { A: '/p/a-b.c:d(e)+f' });
    assert.deepEqual({ ...dictOfKeyValuePairs('A.B=1,') }, { 'A.B': '1' });
    assert.deepEqual({ ...dictOfKeyValuePairs('F="q\\"uote"') }, { F: 'q\\' });
  });
  test('tokens after a value are silently dropped', () => {
    assert.deepEqual({ ...dictOfKeyValuePairs('A=a b') }, { A: 'a' });
    assert.deepEqual({ ...dictOfKeyValuePairs('A=$HOME') }, { A: '$' });
  });
  test('errors', () => {
    assert.equal(message(() => dictOfKeyValuePairs('A=1,,B=2')), "Unexpected end of key/value pairs in value 'A=1,,B=2'");
    assert.equal(message(() => dictOfKeyValuePairs('A=x=y')), "Unexpected end of key/value pairs in value 'A=x=y'");
    assert.equal(message(() => dictOfKeyValuePairs('A="x')), 'No closing quotation');
  });
});

describe('schema', () => {
  test('every key has a type and a one-line doc', () => {
    for (const [kind, keys] of Object.entries(SCHEMA)) {
      for (const k of keys) assert.ok(k.doc && !k.doc.includes('\n'), `${kind}.${k.key}`);
    }
  });
});

describe('config file search', () => {
  test("4.2.5's order and message", () => {
    assert.deepEqual(configSearchPaths('/usr/bin'), [
      '/usr/etc/supervisord.conf',
      '/usr/supervisord.conf',
      'supervisord.conf',
      'etc/supervisord.conf',
      '/etc/supervisord.conf',
      '/etc/supervisor/supervisord.conf',
    ]);
    assert.match(noConfigFileMessage('/usr/bin'), /^No config file found at default paths \(\/usr\/etc\/supervisord\.conf, .*\); use the -c option/);
  });
  test('finds the first existing candidate, relative ones in cwd', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-search-'));
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.mkdirSync(path.join(dir, 'work', 'etc'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'work', 'etc', 'supervisord.conf'), '');
      assert.equal(findConfigFile({ argv0Dir: path.join(dir, 'bin'), cwd: path.join(dir, 'work') }), 'etc/supervisord.conf');
      fs.writeFileSync(path.join(dir, 'supervisord.conf'), '');
      assert.equal(findConfigFile({ argv0Dir: path.join(dir, 'bin'), cwd: path.join(dir, 'work') }), path.join(dir, 'supervisord.conf'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loader API', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-api-'));
  const file = path.join(dir, 'sd.conf');
  fs.writeFileSync(
    file,
    '[supervisord]\nlogfile=sd.log\n[program:web]\ncommand=/bin/true\nuser=root\nx_custom=%(here)s\n[plugin:prefix]\nmodule=stdout-prefix\n[supervisorctl]\n',
  );
  test('raw keys, gid, extra sections, ctl side, cwd-relative logfile', () => {
    const config = loadConfig(file, { env: { PATH: '/bin' }, cwd: '/var', relaxed: true });
    const web = config.groups[0]!.processes[0]!;
    assert.equal(web.raw['x_custom'], '%(here)s');
    assert.equal(web.gid, 0);
    assert.deepEqual(config.extraSections, [{ name: 'plugin:prefix', file, values: { module: 'stdout-prefix' } }]);
    assert.equal(config.supervisord.logfile, '/var/sd.log');
    assert.equal(config.supervisorctl?.ok, true);
    assert.ok(renderDump(config).endsWith('}\n'));
  });
  test('overrides win over the file but the file is still validated', () => {
    const config = loadConfig(file, { env: {}, cwd: '/', overrides: { nodaemon: true, loglevel: 'debug', logfile: '/tmp/o.log' } });
    assert.equal(config.supervisord.nodaemon, true);
    assert.equal(config.supervisord.loglevel, 'debug');
    assert.equal(config.supervisord.logfile, '/tmp/o.log');
    assert.throws(() => loadConfig(file, { env: {}, overrides: { loglevel: 'loud' } }), /invalid value for -e 'loud': bad logging level name 'loud'/);
  });
  test('strict mode throws the relaxed message', () => {
    const bad = path.join(dir, 'bad.conf');
    fs.writeFileSync(bad, '[supervisord]\n[program:x]\ncommand=/bin/true\nuser=nosuchuser\n');
    assert.throws(() => loadConfig(bad, { env: {}, cwd: '/' }), {
      name: 'ConfigError',
      message: `Invalid user name nosuchuser in section 'program:x' (file: '${bad}')`,
    });
    assert.throws(() => loadConfig(path.join(dir, 'none.conf')), /^ConfigError: could not find config file/);
  });
});

// keep PyValueError part of the tested surface: converters throw it, the loader converts it
test('converters throw PyValueError', () => assert.throws(() => boolean('x'), PyValueError));
