// environment_file= (beyond 4.2.5) as the loader reads it: the precedence of files and keys, paths
// relative to the file holding the section, .env syntax through dotenv's parser, errors naming the
// file, section and key; and the real 4.2.5 loader accepting the same file while ignoring the key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/loader.js';
import { SCHEMA } from '../../src/config/schema.js';
import { makeTempDir } from '../helpers/daemon.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function setup(files: Record<string, string>): string {
  const dir = makeTempDir('sv-envfile-');
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function load(dir: string, env: Record<string, string> = {}) {
  return loadConfig(path.join(dir, 'sd.conf'), { env: { PATH: '/usr/bin:/bin', ...env }, cwd: '/', relaxed: true });
}

function environmentOf(dir: string, process = 'x', env: Record<string, string> = {}): Record<string, string> {
  const config = load(dir, env);
  const proc = config.groups.flatMap((g) => g.processes).find((p) => p.name === process);
  assert.ok(proc, `process ${process}`);
  return proc.environment;
}

function loadError(dir: string): string {
  try {
    load(dir);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}

const SUPERVISORD = (extra: string) => `[supervisord]\nlogfile=/tmp/sd.log\n${extra}\n`;

describe('environment_file', () => {
  test('precedence, lowest first: [supervisord] file, [supervisord] environment, program file, program environment', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('environment=B="sv-env",C="sv-env",D="sv-env"\nenvironment_file=global.env')}[program:x]\ncommand=/bin/true\nenvironment=D="prog-env"\nenvironment_file=prog.env\n`,
      'global.env': 'A=global-file\nB=global-file\nC=global-file\nD=global-file\n',
      'prog.env': 'C=prog-file\nD=prog-file\nE=prog-file\n',
    });
    assert.deepEqual(environmentOf(dir), { A: 'global-file', B: 'sv-env', C: 'prog-file', D: 'prog-env', E: 'prog-file' });
  });

  test('a comma-separated list: later files win; blank entries are skipped', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('')}[program:x]\ncommand=/bin/true\nenvironment_file=one.env, ,two.env,\n`,
      'one.env': 'A=one\nB=one\n',
      'two.env': 'B=two\n',
    });
    assert.deepEqual(environmentOf(dir), { A: 'one', B: 'two' });
  });

  test('the .env syntax users write: comments, blank lines, export, quotes, escaped newlines', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('')}[program:x]\ncommand=/bin/true\nenvironment_file=app.env\n`,
      'app.env': [
        '# a comment',
        '',
        'export EXPORTED=yes',
        'PLAIN=value # trailing comment',
        'SINGLE=\'kept # as is\'',
        'DOUBLE="line1\\nline2"',
        'SPACED =  padded  ',
        'EMPTY=',
        'URL=postgres://u:p@h:5432/db?x=1',
        '',
      ].join('\n'),
    });
    assert.deepEqual(environmentOf(dir), {
      EXPORTED: 'yes',
      PLAIN: 'value',
      SINGLE: 'kept # as is',
      DOUBLE: 'line1\nline2',
      SPACED: 'padded',
      EMPTY: '',
      URL: 'postgres://u:p@h:5432/db?x=1',
    });
  });

  test('relative paths start at the directory of the file that holds the section, included files too', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('environment_file=main.env')}[include]\nfiles=conf.d/*.ini\n`,
      'main.env': 'FROM_MAIN=1\n',
      'conf.d/x.ini': '[program:x]\ncommand=/bin/true\nenvironment_file=x.env\n',
      'conf.d/x.env': 'FROM_INCLUDED_DIR=1\n',
    });
    assert.deepEqual(environmentOf(dir), { FROM_MAIN: '1', FROM_INCLUDED_DIR: '1' });
  });

  test('the path is expanded like directory=: %(ENV_x)s, %(here)s, %(program_name)s, %(process_num)s', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('')}[program:w]\ncommand=/bin/true\nnumprocs=2\nprocess_name=w_%(process_num)s\nenvironment_file=%(here)s/%(ENV_STAGE)s/%(program_name)s-%(process_num)s.env\n`,
      'prod/w-0.env': 'N=zero\n',
      'prod/w-1.env': 'N=one\n',
    });
    assert.equal(environmentOf(dir, 'w_0', { STAGE: 'prod' }).N, 'zero');
    assert.equal(environmentOf(dir, 'w_1', { STAGE: 'prod' }).N, 'one');
  });

  test('values from files are data for the child: not names for %(ENV_x)s expansion', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('')}[program:x]\ncommand=/bin/echo %(ENV_FROM_FILE)s\nenvironment_file=x.env\n`,
      'x.env': 'FROM_FILE=1\n',
    });
    assert.match(loadError(dir), /Format string '\/bin\/echo %\(ENV_FROM_FILE\)s' for 'program:x.command' contains names \('ENV_FROM_FILE'\) which cannot be expanded/);
  });

  test('eventlistener and fcgi-program sections read it too; an empty value reads nothing', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('environment_file=')}[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nenvironment_file=l.env\n[fcgi-program:f]\ncommand=/bin/true\nsocket=tcp://127.0.0.1:9999\nenvironment_file=f.env\n`,
      'l.env': 'L=1\n',
      'f.env': 'F=1\n',
    });
    assert.deepEqual(environmentOf(dir, 'l'), { L: '1' });
    assert.deepEqual(environmentOf(dir, 'f'), { F: '1' });
  });

  test('a missing file is a config error naming the file, the key and the section', () => {
    const dir = setup({ 'sd.conf': `${SUPERVISORD('')}[program:x]\ncommand=/bin/true\nenvironment_file=here.env,gone.env\n`, 'here.env': 'A=1\n' });
    assert.equal(
      loadError(dir),
      `cannot read environment_file '${dir}/gone.env': no such file in section 'program:x' (file: '${dir}/sd.conf')`,
    );
    fs.writeFileSync(path.join(dir, 'sd.conf'), SUPERVISORD('environment_file=gone.env'));
    assert.equal(loadError(dir), `cannot read environment_file '${dir}/gone.env': no such file in section 'supervisord' (file: '${dir}/sd.conf')`);
  });

  test('a file that cannot be read (a directory) is a config error too', () => {
    const dir = setup({ 'sd.conf': `${SUPERVISORD('')}[program:x]\ncommand=/bin/true\nenvironment_file=adir\n` });
    fs.mkdirSync(path.join(dir, 'adir'));
    assert.match(loadError(dir), /^cannot read environment_file '.*\/adir': is a directory in section 'program:x'/);
  });

  test('the real 4.2.5 loader accepts the same file and ignores the key', () => {
    const dir = setup({
      'sd.conf': `${SUPERVISORD('environment=B="sv-env"\nenvironment_file=global.env')}[program:x]\ncommand=/bin/true\nenvironment=D="prog-env"\nenvironment_file=prog.env\n`,
      'global.env': 'A=global-file\n',
      'prog.env': 'C=prog-file\n',
    });
    const theirs = JSON.parse(execFileSync('/usr/bin/python3', [SV_DUMP_CONFIG, path.join(dir, 'sd.conf')], { encoding: 'utf8' })) as {
      ok: boolean;
      groups: Array<{ processes: Array<{ environment: Record<string, string> }> }>;
    };
    assert.equal(theirs.ok, true);
    assert.deepEqual(theirs.groups[0]!.processes[0]!.environment, { B: 'sv-env', D: 'prog-env' });
    assert.deepEqual(environmentOf(dir), { A: 'global-file', B: 'sv-env', C: 'prog-file', D: 'prog-env' });
  });

  test('the schema documents the key in every section that has it, as beyond 4.2.5', () => {
    for (const kind of ['supervisord', 'program', 'eventlistener', 'fcgi-program'] as const) {
      const spec = SCHEMA[kind].find((k) => k.key === 'environment_file');
      assert.ok(spec, kind);
      assert.match(spec.doc, /^beyond 4\.2\.5: /);
    }
  });
});
