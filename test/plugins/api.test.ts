// The plugin API's types are a product: their inference is checked at compile time here, and
// the option parser's errors (what users read) at run time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definePlugin, PluginConfigError, type OptionValues, type SupervisorEvent } from '../../src/plugins/index.js';
import { parseOptions } from '../../src/plugins/options.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const schema = {
  url: { type: 'string', required: true, description: 'u' },
  mode: { type: 'string', choices: ['a', 'b'], default: 'a', description: 'm' },
  label: { type: 'string', description: 'l' },
  count: { type: 'integer', default: 3, min: 0, description: 'c' },
  ratio: { type: 'number', description: 'r' },
  on: { type: 'boolean', default: false, description: 'o' },
  tags: { type: 'list', default: [], description: 't' },
} as const;

type Values = OptionValues<typeof schema>;
// each line fails to compile if inference changes
const inferred: [
  Equal<Values['url'], string>,
  Equal<Values['mode'], 'a' | 'b'>,
  Equal<Values['label'], string | undefined>,
  Equal<Values['count'], number>,
  Equal<Values['ratio'], number | undefined>,
  Equal<Values['on'], boolean>,
  Equal<Values['tags'], readonly string[]>,
] = [true, true, true, true, true, true, true];

test('definePlugin types setup from the schema and events by their type', () => {
  const plugin = definePlugin({
    name: 'typed',
    version: '1.0.0',
    options: schema,
    setup({ options }) {
      const url: string = options.url;
      return {
        event(event: SupervisorEvent) {
          if (event.type === 'PROCESS_LOG_STDOUT') void (event.lines satisfies readonly string[]);
          void url;
        },
      };
    },
  });
  assert.equal(plugin.name, 'typed');
  assert.equal(inferred.length, 7);
});

test('options parse by type, with errors that name the section, the key and what is accepted', () => {
  const where = '[plugin:x] in /etc/s.conf';
  const values = parseOptions(schema, { url: 'http://h', mode: 'b', count: '7', on: 'yes', tags: 'a, b c' }, where, 'typed');
  assert.deepEqual({ ...values }, { url: 'http://h', mode: 'b', label: undefined, count: 7, ratio: undefined, on: true, tags: ['a', 'b', 'c'] });
  const fails = (raw: Record<string, string>, message: string): void => {
    assert.throws(() => parseOptions(schema, raw, where, 'typed'), (err: unknown) => err instanceof PluginConfigError && err.code === 'SUP_ERR_PLUGIN_CONFIG' && err.message === message);
  };
  fails({}, `${where}: missing required key 'url' (u)`);
  fails({ url: 'x', colour: 'red' }, `${where}: unknown key 'colour' (typed accepts: count, label, mode, on, ratio, tags, url)`);
  fails({ url: 'x', mode: 'c' }, `${where}: mode=c: must be one of a, b`);
  fails({ url: 'x', count: '1.5' }, `${where}: count=1.5: not an integer`);
  fails({ url: 'x', count: '-1' }, `${where}: count=-1: must be at least 0`);
  fails({ url: 'x', on: 'maybe' }, `${where}: on=maybe: not a valid boolean value: use yes, true, on or 1 for true; no, false, off or 0 for false (any case)`);
});

test('a boolean option takes the words of 4.2.5\'s boolean datatype, in any case, and only those', () => {
  const parse = (on: string): boolean => parseOptions(schema, { url: 'x', on }, '[plugin:x] in /etc/s.conf', 'typed').on;
  for (const word of ['yes', 'true', 'on', '1', 'YES', 'True', ' On ']) assert.equal(parse(word), true, word);
  for (const word of ['no', 'false', 'off', '0', 'NO', 'False', 'oFF']) assert.equal(parse(word), false, word);
  for (const word of ['maybe', 'y', 'n', '2', 'enabled', '']) assert.throws(() => parse(word), /not a valid boolean value: use yes, true, on or 1 for true; no, false, off or 0 for false/, JSON.stringify(word));
});
