// Every crash or wrong answer the fuzz tests found, with the exact input that showed it and what
// Supervisor 4.2.5 (Python 3.11) answers for it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IniDocument } from '../../src/config/ini.js';

function iniError(text: string): string {
  try {
    new IniDocument().read(text, '/fuzz.conf');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('config reader', () => {
  test('an option with an empty name takes no continuation line (ConfigParser: "" is falsy)', () => {
    assert.equal(
      iniError('[s]\n  \u001c\fk:\r\n \u000b==]\u2028~,\u2028\n   : Σ\u0085\n'),
      "Source contains parsing errors: '/fuzz.conf'\n\t[line  3]: ' \\x0b==]\\u2028~,\\u2028\\n'\n\t[line  4]: '   : Σ\\x85\\n'",
    );
    assert.equal(iniError('[s]\n=x\n  y\n\n'), "Source contains parsing errors: '/fuzz.conf'\n\t[line  2]: '=x\\n'\n\t[line  3]: '  y\\n'");
  });
});
