// State shared by the stages of one load, mirroring 4.2.5's ServerOptions: the parser, the
// expansion dictionary that [supervisord] environment extends, parse messages, and the
// machine-dependent checks that either reject the file or are recorded when relaxed.
import { ConfigError } from './errors.js';
import { expand, type Expansions } from './expand.js';
import type { IniDocument } from './ini.js';
import { PyValueError, pyRepr, type PyValue } from './python.js';
import type { PathContext } from './datatypes.js';
import type { RelaxedCheck } from './types.js';
import type { UserDatabase } from './users.js';

export interface LoadContext extends PathContext {
  parser: IniDocument;
  /** the config file as given (4.2.5 names it so in messages) */
  configFile: string;
  /** absolute directory of the main config file: %(here)s */
  here: string;
  hostname: string;
  relaxed: boolean;
  users: UserDatabase;
  /** ENV_* names; extended by [supervisord] environment, as 4.2.5's environ_expansions */
  environExpansions: Expansions;
  warnings: string[];
  infos: string[];
  relaxedChecks: RelaxedCheck[];
  /** the process section being built, whose name and file 4.2.5 appends to errors */
  processSection: string | null;
}

export type ExpansionExtras = Array<[string, PyValue]> | Expansions;

/**
 * 4.2.5's saneget: the value (or the default), %-expanded against ENV_* plus `extras` unless
 * `extras` is null. Non-string defaults are returned as they are, unexpanded.
 */
export function saneget<D extends string | number | boolean | null>(
  ctx: LoadContext,
  section: string,
  key: string,
  fallback: D,
  extras: ExpansionExtras | null = [],
): string | D {
  const raw = ctx.parser.get(section, key);
  const value = raw === undefined ? fallback : raw;
  if (extras === null || typeof value !== 'string') return value;
  const combined: Expansions = new Map(ctx.environExpansions);
  for (const [k, v] of extras) combined.set(k, v);
  return expand(value, combined, `${section}.${key}`);
}

/** The " in section 'x' (file: 'y')" suffix 4.2.5 puts on errors raised while building processes. */
export function inSectionSuffix(ctx: LoadContext, section: string): string {
  const file = ctx.parser.sectionToFile.get(section) ?? ctx.configFile;
  return ` in section ${pyRepr(section)} (file: ${pyRepr(file)})`;
}

/**
 * Runs a check that depends on the machine (directories, users, importable plugins). Strict: its
 * error propagates. Relaxed: the error is recorded as sv-dump-config.py records it and `fallback`
 * is used.
 */
export function machineCheck<T>(
  ctx: LoadContext,
  check: RelaxedCheck['check'],
  where: { section: string | null; key: string | null; value: string },
  run: () => T,
  fallback: () => T,
  message?: (error: string) => string,
): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof PyValueError)) throw e;
    const text = message ? message(e.message) : e.message;
    if (!ctx.relaxed) throw new PyValueError(text);
    const suffix = ctx.processSection === null ? '' : inSectionSuffix(ctx, ctx.processSection);
    ctx.relaxedChecks.push({ check, section: where.section, key: where.key, value: where.value, message: text + suffix });
    return fallback();
  }
}

/** Turns a conversion error into the ConfigError 4.2.5 reports (its usage() path). */
export function asConfigError(e: unknown): unknown {
  if (e instanceof PyValueError) return new ConfigError(e.message);
  return e;
}
