// [rpcinterface:x], [ctlplugin:x] and result_handler name Python objects ("module:attr"). We
// cannot import Python, so only Supervisor's own objects count as resolvable; any other spec is a
// machine-dependent failure (recorded when relaxed, as sv-dump-config.py does for missing packages).
import { machineCheck, saneget, type LoadContext } from './context.js';
import { PyValueError, pyRepr, pyStrip } from './python.js';

/** Objects of the supervisor package that 4.2.5 configs name, by module and attribute. */
const RESOLVABLE: Record<string, Record<string, string>> = {
  'supervisor.rpcinterface': {
    make_main_rpcinterface: 'supervisor.rpcinterface.make_main_rpcinterface',
    SupervisorNamespaceRPCInterface: 'supervisor.rpcinterface.SupervisorNamespaceRPCInterface',
  },
  'supervisor.dispatchers': { default_handler: 'supervisor.dispatchers.default_handler' },
  'supervisor.supervisorctl': { DefaultControllerPlugin: 'supervisor.supervisorctl.DefaultControllerPlugin' },
};

const ENTRY_POINT = /^([\w.]+)\s*(?::\s*([\w.]+))?\s*(\[.*\])?\s*$/;

/**
 * pkg_resources' "x=<spec>" entry point resolution: the dotted name of the object, or a
 * PyValueError for a malformed spec, or an ImportFailure when it names nothing known.
 */
export function resolveImportSpec(spec: string): string {
  const m = ENTRY_POINT.exec(pyStrip(spec));
  if (!m) {
    throw new PyValueError(
      `("EntryPoint must be in 'name=module:attrs [extras]' format", ${pyRepr('x=' + spec)})`,
    );
  }
  const resolved = m[2] === undefined ? undefined : RESOLVABLE[m[1]!]?.[m[2]];
  if (resolved === undefined) throw new ImportFailure(`No module named ${pyRepr(m[1]!.split('.')[0]!)}`);
  return resolved;
}

export class ImportFailure extends PyValueError {}

/** The dotted name 4.2.5 would use for `spec`, or the spec itself (":" as ".") when relaxed. */
export function importSpec(ctx: LoadContext, section: string, key: string, spec: string): string {
  try {
    return resolveOrRelax(ctx, section, key, spec);
  } catch (e) {
    if (e instanceof MalformedSpec) throw new PyValueError(e.message);
    throw e;
  }
}

function resolveOrRelax(ctx: LoadContext, section: string, key: string, spec: string): string {
  return machineCheck(
    ctx,
    'import',
    { section, key, value: spec },
    () => {
      try {
        return resolveImportSpec(spec);
      } catch (e) {
        if (e instanceof ImportFailure) throw new PyValueError(`${spec} cannot be resolved within [${section}]`);
        // a malformed spec is a plain error in 4.2.5, never relaxed
        throw new MalformedSpec(e instanceof Error ? e.message : String(e));
      }
    },
    () => pyStrip(spec).replace(/:/g, '.'),
  );
}

class MalformedSpec extends Error {}

export interface PluginConfig {
  name: string;
  factory: string;
  options: Record<string, string>;
}

/** 4.2.5's get_plugins: every section with the prefix, its factory and its other keys as options. */
export function pluginsFromParser(ctx: LoadContext, factoryKey: string, prefix: string): PluginConfig[] {
  const plugins: PluginConfig[] = [];
  for (const section of ctx.parser.sections()) {
    if (!section.startsWith(prefix)) continue;
    const name = section.slice(section.indexOf(':') + 1);
    const spec = saneget(ctx, section, factoryKey, null);
    if (spec === null) throw new PyValueError(`section [${section}] does not specify a ${factoryKey}`);
    const factory = importSpec(ctx, section, factoryKey, spec);
    const options: Record<string, string> = Object.create(null);
    for (const key of ctx.parser.options(section)) {
      if (key !== factoryKey) options[key] = saneget(ctx, section, key, '');
    }
    plugins.push({ name, factory, options });
  }
  return plugins;
}
