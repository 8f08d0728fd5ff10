// Turns a section's raw key=value text into a plugin's typed options, against its schema.
import { FALSY, TRUTHY } from '../config/datatypes.js';
import type { OptionSpec, OptionsSchema, OptionValues } from './api.js';
import { PluginConfigError } from './errors.js';

// the words of 4.2.5's boolean datatype, listed in the error from the very lists that parse them
const orList = (words: readonly string[]): string => `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
const NOT_A_BOOLEAN = `not a valid boolean value: use ${orList(TRUTHY)} for true; ${orList(FALSY)} for false (any case)`;

/** Parses `raw` (the plugin's own keys only); throws PluginConfigError naming `where` and the key. */
export function parseOptions<S extends OptionsSchema>(schema: S, raw: Record<string, string>, where: string, pluginName: string): OptionValues<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (!(key in schema)) {
      const accepted = Object.keys(schema).sort().join(', ') || '(none)';
      throw new PluginConfigError(where, `unknown key '${key}' (${pluginName} accepts: ${accepted})`);
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    const text = raw[key];
    if (text === undefined) {
      if (spec.required) throw new PluginConfigError(where, `missing required key '${key}' (${spec.description})`);
      out[key] = spec.default;
      continue;
    }
    out[key] = parseValue(spec, text.trim(), (msg) => new PluginConfigError(where, `${key}=${text}: ${msg}`));
  }
  return out as OptionValues<S>;
}

function parseValue(spec: OptionSpec, text: string, fail: (msg: string) => Error): unknown {
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(text)) throw fail(`must be one of ${spec.choices.join(', ')}`);
      return text;
    case 'boolean':
      if (TRUTHY.includes(text.toLowerCase())) return true;
      if (FALSY.includes(text.toLowerCase())) return false;
      throw fail(NOT_A_BOOLEAN);
    case 'list':
      return text.split(/[\s,]+/).filter(Boolean);
    case 'integer':
    case 'number': {
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) throw fail('not a number');
      if (spec.type === 'integer' && !Number.isInteger(value)) throw fail('not an integer');
      if (spec.min !== undefined && value < spec.min) throw fail(`must be at least ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) throw fail(`must be at most ${spec.max}`);
      return value;
    }
  }
}
