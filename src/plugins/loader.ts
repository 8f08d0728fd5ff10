// Reads [plugin:NAME] sections: finds the module (a built-in name or a path to a JS module),
// then validates events=, the host's keys and the plugin's own keys against its schema.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EVENT_TYPE_NAMES } from '../config/events.js';
import type { RawSection } from '../config/types.js';
import type { EventTypeName } from '../events/types.js';
import type { OptionsSchema, OptionValues, PluginDefinition } from './api.js';
import { PluginConfigError } from './errors.js';
import { importCurrentModule } from './module-import.js';
import { parseOptions } from './options.js';

export const SECTION_PREFIX = 'plugin:';

/** Built-ins live in dist/plugins/NAME/index.js, beside dist/src/. */
const BUILTIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../plugins');
export const BUILTIN_PLUGINS = ['stdout-prefix', 'fluentd', 'webhook'] as const;

/** Keys the host reads itself; a plugin's schema cannot use them. */
export const HOST_KEYS = {
  module: { type: 'string', required: true, description: 'a built-in plugin name or a path to a JS module' },
  events: { type: 'list', description: 'event types, as [eventlistener:x] events=' },
  programs: { type: 'list', description: 'process or group names whose events it gets (default: all)' },
  queue_size: { type: 'integer', default: 10000, min: 1, description: 'events queued for the plugin before the oldest is dropped' },
  call_timeout: { type: 'number', default: 5, min: 0.001, description: 'seconds one event call may take before the host moves on' },
  flush_timeout: { type: 'number', default: 5, min: 0, description: 'seconds the plugin has to flush on shutdown' },
} as const satisfies OptionsSchema;

export interface PluginInstanceSpec {
  /** NAME of [plugin:NAME] */
  name: string;
  /** "[plugin:NAME] in FILE", for messages */
  where: string;
  definition: PluginDefinition;
  /** the module file changed since an earlier run imported it: this run has its new code */
  moduleChanged: boolean;
  events: EventTypeName[];
  programs: readonly string[] | null;
  queueSize: number;
  callTimeoutMs: number;
  flushTimeoutMs: number;
  options: OptionValues<OptionsSchema>;
}

export function pluginSections(sections: readonly RawSection[]): RawSection[] {
  return sections.filter((s) => s.name.startsWith(SECTION_PREFIX));
}

/** Loads and validates one section; throws PluginConfigError (or the module's own import error, wrapped). */
export async function loadPluginSection(section: RawSection): Promise<PluginInstanceSpec> {
  const name = section.name.slice(SECTION_PREFIX.length);
  const where = `[${section.name}] in ${section.file}`;
  if (!name) throw new PluginConfigError(where, 'a plugin section needs a name: [plugin:NAME]');
  const hostRaw: Record<string, string> = {};
  const ownRaw: Record<string, string> = {};
  for (const [key, value] of Object.entries(section.values)) (key in HOST_KEYS ? hostRaw : ownRaw)[key] = value;
  const host = parseOptions(HOST_KEYS, hostRaw, where, 'the plugin host');
  const { definition, changed } = await importPluginModule(host.module, path.dirname(section.file), where);
  const events = resolveEvents(host.events ?? definition.events, where);
  return {
    name,
    where,
    definition,
    moduleChanged: changed,
    events,
    programs: host.programs && host.programs.length > 0 ? host.programs : null,
    queueSize: host.queue_size,
    callTimeoutMs: host.call_timeout * 1000,
    flushTimeoutMs: host.flush_timeout * 1000,
    options: parseOptions(definition.options, ownRaw, where, definition.name),
  };
}

export function resolveEvents(names: readonly string[] | undefined, where: string): EventTypeName[] {
  if (!names || names.length === 0) throw new PluginConfigError(where, 'no events= line and the plugin declares no default events');
  for (const event of names) {
    if (!EVENT_TYPE_NAMES.has(event)) throw new PluginConfigError(where, `events=: unknown event type '${event}'`);
  }
  return [...names] as EventTypeName[];
}

/** A built-in name, else a path relative to the config file's directory; its default export is the plugin. */
export async function importDefinition(moduleKey: string, baseDir: string, where: string): Promise<PluginDefinition> {
  return (await importPluginModule(moduleKey, baseDir, where)).definition;
}

/**
 * importDefinition, telling also whether the module changed since an earlier run imported it. A
 * built-in is part of the daemon and imported once; a path is imported at its content on disk now.
 */
async function importPluginModule(moduleKey: string, baseDir: string, where: string): Promise<{ definition: PluginDefinition; changed: boolean }> {
  const builtin = (BUILTIN_PLUGINS as readonly string[]).includes(moduleKey);
  const file = builtin ? path.join(BUILTIN_DIR, moduleKey, 'index.js') : path.resolve(baseDir, moduleKey);
  let mod: { default?: unknown };
  let changed = false;
  try {
    if (builtin) mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    else ({ namespace: mod, changed } = await importCurrentModule(file));
  } catch (err) {
    throw new PluginConfigError(where, `module=${moduleKey}: cannot load ${file}: ${(err as Error).message}`);
  }
  const def = mod.default as Partial<PluginDefinition> | undefined;
  if (!def || typeof def.setup !== 'function' || typeof def.name !== 'string' || typeof def.options !== 'object') {
    throw new PluginConfigError(where, `module=${moduleKey}: ${file} has no default export made with definePlugin({ name, version, options, setup })`);
  }
  for (const key of Object.keys(def.options ?? {})) {
    if (key in HOST_KEYS) throw new PluginConfigError(where, `module=${moduleKey}: option '${key}' clashes with a host key`);
  }
  return { definition: def as PluginDefinition, changed };
}
