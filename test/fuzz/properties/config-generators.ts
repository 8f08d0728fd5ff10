// Generators of supervisord.conf text: a "line soup" that hits the reader's corner cases (inline
// comment rules, continuation lines, odd whitespace and line ends), simple files with a known
// meaning for round trips, %-format strings, and whole configs built from the schema's keys.
import fc from 'fast-check';
import { SCHEMA, type KeySpec, type SectionKind, type ValueType } from '../../../src/config/schema.js';

// characters that mean something to ConfigParser, to Python's str.strip/isspace, or to Python's
// universal newlines (\x0b \x0c \x1c \x85 \u2028 split str.splitlines() but not a file's lines)
const SOUP_CHARS = [
  'a', 'b', 'X', 'k', 'v', '0', '1', '9', '_', '.', '-', '/', '*', '?', '~', '\\', '"', "'", ',',
  '[', ']', '=', ':', ';', '#', '%', '(', ')', 's', 'd',
  ' ', ' ', '\t', '\u00a0', '\x0b', '\x0c', '\x1c', '\x1f', '\x85', '\u2028', '\u3000', '\ufeff',
  'é', 'İ', 'ß', 'Σ', '\u{1F600}',
];

/** A short string of characters that matter to the reader. */
export const soup = (maxLength = 12): fc.Arbitrary<string> =>
  // an array joined, not fc.string with a unit: the same values at a fraction of the cost
  fc.array(fc.constantFrom(...SOUP_CHARS), { maxLength }).map((chars) => chars.join(''));

const indent = fc.constantFrom('', '', '', '', ' ', '  ', '\t', '\u00a0', '\x1c', ' \t');
const lineEnd = fc.constantFrom('\n', '\n', '\n', '\n', '\r\n', '\r');

const lineBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: soup().map((name) => `[${name}]`), weight: 2 },
  { arbitrary: fc.constantFrom('[supervisord]', '[program:x]', '[DEFAULT]', '[include]', '[s]', '[]', '[ ]', '[a]]', '[[a]'), weight: 2 },
  { arbitrary: fc.tuple(soup(8), fc.constantFrom('=', ':', ' = ', ' : ', '==', '=:', '\t=\t'), soup()).map(([k, d, v]) => k + d + v), weight: 5 },
  { arbitrary: fc.tuple(fc.constantFrom(';', '#', ' ;', ' #', '\t;', 'x;', 'x #'), soup()).map(([c, t]) => c + t), weight: 2 },
  { arbitrary: soup(), weight: 2 },
  { arbitrary: fc.constant(''), weight: 2 },
);

/** Any mix of headers, options, comments, continuation lines and garbage, with any line ends. */
export const iniSoup: fc.Arbitrary<string> = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(indent, lineBody, soup(4), lineEnd), { maxLength: 16 }),
    fc.boolean(),
  )
  .map(([header, lines, lastEol]) => {
    let text = (header ? '[s]\n' : '') + lines.map(([i, body, tail, eol]) => i + body + tail + eol).join('');
    if (!lastEol) text = text.replace(/(\r\n|\r|\n)$/, '');
    return text;
  });

// --- simple files with a known meaning --------------------------------------------------------

const TOKEN_FIRST = 'abcXYZ019_./-"\'%(),=:é[]';
const TOKEN_REST = TOKEN_FIRST + ';#';
/** A word of a value: no whitespace, never starting with a comment prefix. */
const token = fc
  .tuple(fc.constantFrom(...TOKEN_FIRST), fc.array(fc.constantFrom(...TOKEN_REST), { maxLength: 6 }))
  .map(([a, b]) => a + b.join(''));
/** One line of a value: words with single spaces, so no ';' or '#' ever follows whitespace. */
const valueLine = fc.array(token, { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));

export interface SimpleEntry {
  key: string;
  /** written as "key = first" then one indented continuation line per further element */
  lines: string[];
}
export interface SimpleSection {
  name: string;
  entries: SimpleEntry[];
}

const keyName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.-]{0,10}$/);
const sectionName = fc.oneof(
  fc.constantFrom('supervisord', 'program:web', 'program:a.b', 'group:g', 'DEFAULT', 'Program:web'),
  fc.stringMatching(/^[a-zA-Z0-9_:.-][a-zA-Z0-9_:. -]{0,10}[a-zA-Z0-9_:.-]$/),
);

const simpleEntry: fc.Arbitrary<SimpleEntry> = fc.record({
  key: keyName,
  lines: fc.tuple(fc.oneof(valueLine, fc.constant('')), fc.array(valueLine, { maxLength: 3 })).map(([first, rest]) => [first, ...rest]),
});

export const simpleSections: fc.Arbitrary<SimpleSection[]> = fc.array(
  fc.record({ name: sectionName, entries: fc.array(simpleEntry, { maxLength: 5 }) }),
  { minLength: 1, maxLength: 5 },
);

/** How a simple file is laid out: none of these choices may change its meaning. */
export interface Layout {
  delimiter: string;
  inlineComment: string;
  continuationIndent: string;
  blankLines: string;
  lineEnd: string;
}

export const layout: fc.Arbitrary<Layout> = fc.record({
  delimiter: fc.constantFrom('=', ' = ', ':', ' : ', '\t=  '),
  inlineComment: fc.constantFrom('', ' ; note', '\t# note', '  ;'),
  continuationIndent: fc.constantFrom(' ', '    ', '\t', '\u00a0'),
  blankLines: fc.constantFrom('', '\n', '\n; a comment line\n', '# another\n\n'),
  lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
});

export function renderSimple(sections: SimpleSection[], how: Layout): string {
  let text = '';
  for (const section of sections) {
    text += `[${section.name}]${how.inlineComment}\n${how.blankLines}`;
    for (const entry of section.entries) {
      const [first, ...rest] = entry.lines;
      text += `${entry.key}${how.delimiter}${first}${how.inlineComment}\n`;
      for (const line of rest) text += `${how.continuationIndent}${line}\n`;
      text += how.blankLines;
    }
  }
  return text.replace(/\n/g, how.lineEnd);
}

/** What ConfigParser makes of a simple file: sections merged, keys lower-cased, last value wins. */
export function simpleMeaning(sections: SimpleSection[]): { defaults: Map<string, string>; sections: Map<string, Map<string, string>> } {
  const defaults = new Map<string, string>();
  const named = new Map<string, Map<string, string>>();
  for (const section of sections) {
    let target = section.name === 'DEFAULT' ? defaults : named.get(section.name);
    if (target === undefined) {
      target = new Map();
      named.set(section.name, target);
    }
    for (const entry of section.entries) target.set(entry.key.toLowerCase(), entry.lines.join('\n').trimEnd());
  }
  return { defaults, sections: named };
}

// --- %-format strings ------------------------------------------------------------------------

const FORMAT_PIECES = [
  '%', '%', '%%', '(', ')', '(program_name)', '(process_num)', '(ENV_HOME)', '(here)', '(group_name)',
  '(nosuch)', '(numprocs)', '-', '+', ' ', '#', '0', '1', '5', '12', '.', '.3', '*', 'h', 'l', 'L',
  's', 'r', 'a', 'd', 'i', 'u', 'o', 'x', 'X', 'e', 'E', 'f', 'F', 'g', 'G', 'c', 'b', 'z', '\u00e9',
  '/var/log/', ' x ', '\n', '99999999999999999999', '2147483648',
];

/** Strings made of %-format pieces: mostly almost-valid, often subtly wrong. */
export const formatString: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...FORMAT_PIECES), { maxLength: 14 })
  .map((pieces) => pieces.join(''));

// --- whole configs ---------------------------------------------------------------------------

/** Values 4.2.5 accepts (first) and values it refuses (second), by type. */
function typicalValues(dir: string): Record<ValueType, [string[], string[]]> {
  return {
    boolean: [['true', 'false', 'yes', 'off', '1', 'TRUE'], ['maybe', '']],
    integer: [['0', '1', '3', '999', '1_000', ' 7 ', '-1'], ['x', '1__0', '99999999999999999999']],
    byte_size: [['0', '1KB', '50MB', '1gb', '1_0kb'], ['10XB', '-5x', '99999999999999999999GB']],
    octal: [['022', '0o777', '777', '0'], ['8', '0o', 'x']],
    signal: [['TERM', 'sigkill', 'HUP', '9', 'SIG_DFL'], ['99', 'FOO']],
    exitcodes: [['0', '0,2', '1, 2'], ['0, 256', 'x', '-1']],
    string: [['x', '/bin/sh -c "echo hi"', '%(ENV_HOME)s/%(here)s', 'AUTO', '100%%'], ['%(nosuch)s', '%', '%(program_name)s']],
    string_list: [['web', 'web,worker', 'web, ,worker'], ['']],
    name_template: [['%(program_name)s', '%(program_name)s_%(process_num)02d', '%(process_num)d'], ['a b', 'a:b']],
    user: [['root', '0'], ['nosuchuser', '99999']],
    user_group: [['root', 'root:root', '0:0'], ['nosuch:nosuch', ':']],
    logfile: [['AUTO', 'NONE', `${dir}/out.log`, '%(program_name)s-%(process_num)d.log', 'off'], ['/nonexistent/dir/x.log', 'syslog']],
    dirpath: [[`${dir}/x.log`, 'rel.log', 'syslog'], ['/nonexistent/x', '~/nonexistent/x.log']],
    directory: [[dir, '/tmp', '%(here)s'], ['/nonexistent', '']],
    existing_directory: [[dir, '/tmp', '%(here)s'], ['/nonexistent', '']],
    loglevel: [['info', 'DEBUG', 'blather', 'warn'], ['nope']],
    url: [['http://localhost:9001', `unix://${dir}/s.sock`, 'AUTO'], ['x']],
    autorestart: [['true', 'false', 'unexpected', 'UNEXPECTED'], ['sometimes']],
    environment: [['A=1', 'A="x,y",B=2', "A='q'", 'A=%(ENV_HOME)s'], ['A=1,,B=2', 'A="x', 'A=%(process_num)d']],
    events: [['PROCESS_STATE', 'TICK_5,PROCESS_LOG', 'EVENT'], ['NOSUCH', '']],
    import_spec: [['supervisor.rpcinterface:make_main_rpcinterface', 'supervisor.dispatchers:default_handler'], ['nosuch:x', 'bad spec here', '']],
    socket: [[`unix://${dir}/f.sock`, 'tcp://127.0.0.1:9002'], ['tcp://localhost:0', 'unix://relative', 'x']],
    inet_address: [['127.0.0.1:9001', '*:9001', '9001'], [':9001', 'host:99999', 'x', '']],
    path: [[`${dir}/s.sock`, 's.sock', '~/s.sock'], ['']],
    path_list: [[`${dir}/extra.ini`, `${dir}/conf.d/a.conf,${dir}/extra.ini`], ['/nonexistent.env', 'rel.env', ' , ']],
    glob_list: [['*.ini', 'conf.d/*.conf', 'missing.conf', 'sub/[ab].conf', '%(here)s/*.ini'], ['']],
  };
}

// keys whose values their type alone does not describe (most of them are ours, beyond 4.2.5)
const KEY_VALUES: Record<string, [string[], string[]]> = {
  command: [['/bin/true', '/bin/sh -c "echo %(process_num)d"', '%(ENV_HOME)s/run --name=%(program_name)s'], ['']],
  programs: [['web', 'web,worker', 'included'], ['nosuch']],
  backoff_strategy: [['linear', 'exponential'], ['sometimes']],
  healthcheck_interval: [['10', '0.5'], ['x', '-1']],
  healthcheck_timeout: [['5', '0.1'], ['x']],
  healthcheck_start_period: [['0', '3'], ['x']],
  healthcheck_http: [['http://127.0.0.1:9/health'], ['x']],
  healthcheck_tcp: [['127.0.0.1:9'], ['x']],
  healthcheck_command: [['true'], ['']],
  depends_on: [['', 'web', 'web:healthy'], ['nosuch', 'web:sick']],
  logfile_timestamp_format: [['YYYY-MM-DD HH:mm:ss', 'HH:mm:ss.SSS'], ['x']],
  memory_limit: [['512MB', '1GB', '0'], ['x', '-1']],
  memory_limit_grace: [['0', '2.5'], ['x']],
  rlimit_nofile: [['64', '256:1024'], ['x', '2:1', 'infinity']],
  rlimit_core: [['0', '0:infinity', '1MB'], ['x']],
  rlimit_nproc: [['512'], ['x']],
  rlimit_as: [['4GB', 'infinity'], ['1:2:3']],
  rlimit_cpu: [['60', '60:120'], ['-1']],
};

/** A value for a key: mostly one 4.2.5 accepts (so loading gets far), sometimes one it refuses or nonsense. */
function valueOf(spec: KeySpec, dir: string): fc.Arbitrary<string> {
  const [valid, invalid] = KEY_VALUES[spec.key] ?? typicalValues(dir)[spec.type];
  return fc.oneof(
    { arbitrary: fc.constantFrom(...valid), weight: 60 },
    { arbitrary: fc.constantFrom(...invalid), weight: 2 },
    { arbitrary: formatString, weight: 1 },
    { arbitrary: soup(), weight: 1 },
  );
}

// keys of ours that 4.2.5 ignores (an oracle run leaves them out: we check them, 4.2.5 cannot)
const BEYOND_425_EXTRA_KEYS = ['buffer_overflow', 'buffer_spool_maxbytes', 'buffer_memory_maxbytes', 'busy_timeout'];
const OTHER_EXTRA_KEYS = ['module', 'events', 'nosuchkey'];

function isBeyond425(spec: KeySpec): boolean {
  return spec.doc.startsWith('beyond 4.2.5');
}

function sectionText(kind: SectionKind, name: string, dir: string, beyond425: boolean): fc.Arbitrary<string> {
  const specs: readonly KeySpec[] = SCHEMA[kind].filter((spec) => beyond425 || !isBeyond425(spec));
  const extraKeys = beyond425 ? [...BEYOND_425_EXTRA_KEYS, ...OTHER_EXTRA_KEYS] : OTHER_EXTRA_KEYS;
  const required = specs.filter((s) => s.required);
  const optional = specs.filter((s) => !s.required);
  return fc
    .tuple(
      // a required key is left out now and then, to reach the "does not specify" errors
      fc.array(fc.nat(19).map((n) => n > 0), { minLength: required.length, maxLength: required.length }),
      fc.tuple(...required.map((s) => valueOf(s, dir))),
      fc.subarray(optional, { maxLength: Math.min(6, optional.length) }).chain((chosen) => fc.tuple(...chosen.map((s) => valueOf(s, dir).map((v) => `${s.key}=${v}`)))),
      fc.array(fc.tuple(fc.constantFrom(...extraKeys), soup(6)), { maxLength: 1 }),
    )
    .map(([keep, requiredValues, optionalLines, extras]) => {
      const lines = [`[${name}]`];
      required.forEach((spec, i) => {
        if (keep[i]) lines.push(`${spec.key}=${requiredValues[i]}`);
      });
      lines.push(...optionalLines, ...extras.map(([k, v]) => `${k}=${v}`));
      return lines.join('\n') + '\n';
    });
}

const programName = fc.oneof({ arbitrary: fc.constantFrom('web', 'worker', 'a.b', 'w%(ENV_HOME)s'), weight: 12 }, { arbitrary: fc.constantFrom('x y', 'cat:dog', ''), weight: 1 });

/**
 * A supervisord.conf built from the schema's sections and keys, with valid and invalid values;
 * `beyond425` false leaves out the keys only ours reads.
 */
export function configText(dir: string, beyond425 = true): fc.Arbitrary<string> {
  const section = (kind: SectionKind, name: fc.Arbitrary<string>) => name.chain((n) => sectionText(kind, n, dir, beyond425));
  const body = fc.array(
    fc.oneof(
      { arbitrary: section('program', programName.map((n) => `program:${n}`)), weight: 5 },
      { arbitrary: section('eventlistener', programName.map((n) => `eventlistener:${n}`)), weight: 2 },
      { arbitrary: section('fcgi-program', programName.map((n) => `fcgi-program:${n}`)), weight: 1 },
      { arbitrary: section('group', programName.map((n) => `group:${n}`)), weight: 1 },
      { arbitrary: section('unix_http_server', fc.constantFrom('unix_http_server', 'unix_http_server:b')), weight: 1 },
      { arbitrary: section('inet_http_server', fc.constantFrom('inet_http_server', 'inet_http_serverX')), weight: 1 },
      { arbitrary: section('supervisorctl', fc.constant('supervisorctl')), weight: 1 },
      { arbitrary: section('include', fc.constant('include')), weight: 1 },
      { arbitrary: section('rpcinterface', fc.constantFrom('rpcinterface:supervisor', 'rpcinterface:x')), weight: 1 },
      { arbitrary: section('ctlplugin', fc.constant('ctlplugin:x')), weight: 1 },
      { arbitrary: soup().map((n) => `[plugin:${n}]\nmodule=stdout-prefix\n`), weight: 1 },
      { arbitrary: iniSoup, weight: 1 },
    ),
    { maxLength: 6 },
  );
  return fc
    .tuple(fc.nat(19), section('supervisord', fc.constant('supervisord')), body)
    .map(([roll, supervisord, sections]) => (roll === 0 ? sections.join('') : [supervisord, ...sections].join('')));
}
