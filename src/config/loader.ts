// Loads a supervisord.conf with Supervisor 4.2.5's meaning, in 4.2.5's order (config.md section 10):
// parse, [include], [supervisord], [rpcinterface:x], process groups, HTTP servers, then the
// [supervisord] user. The first error 4.2.5 would print is the ConfigError thrown here.
import fs from 'node:fs';
import { asConfigError, inSectionSuffix, machineCheck, saneget, type LoadContext } from './context.js';
import {
  boolean,
  byteSize,
  dictOfKeyValuePairs,
  existingDirectory,
  existingDirpath,
  expandUser,
  gidForUid,
  integer,
  joinPath,
  loggingLevel,
  nameToUid,
  normalizePath,
  octalType,
  pythonDirname,
  pythonNormpath,
  pythonTempdir,
} from './datatypes.js';
import { ENVIRONMENT_FILE_KEY, readEnvironmentFiles } from './environment-file.js';
import { ConfigError } from './errors.js';
import { expand, type Expansions } from './expand.js';
import { processGroupsFromParser } from './groups.js';
import { hostName } from './host.js';
import { globSorted } from './include.js';
import { IniDocument, IniParseError } from './ini.js';
import { pluginsFromParser } from './plugins.js';
import { PyValueError, pyInt, pyRepr, type PyValue } from './python.js';
import { keySpec, sectionKind } from './schema.js';
import { readOutputSettings } from '../output/output-settings.js';
import { checkDependencies } from './dependencies.js';
import { readPoolSettings } from '../listeners/pool-settings.js';
import { childServerUrl, serverConfigsFromParser } from './servers.js';
import type { Config, ConfigRejection, CtlLoadResult, LoadOptions, RawSection, SupervisordSettings } from './types.js';
import { fileUserDatabase, type UserDatabase } from './users.js';

export { findConfigFile, noConfigFileMessage, configSearchPaths } from './search.js';

/** LoadOptions plus a user database, for tests that must not depend on this machine's users. */
export interface LoaderOptions extends LoadOptions {
  users?: UserDatabase;
}

function definedEnv(env: Record<string, string | undefined>): Array<[string, string]> {
  return Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined);
}

function newContext(file: string, opts: LoaderOptions, parser: IniDocument): LoadContext {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  let hostname = opts.hostname;
  return {
    parser,
    configFile: file,
    here: pythonNormpath(joinPath(cwd, pythonDirname(file)) || cwd),
    // asked only where %(host_node_name)s can be expanded, which supervisorctl's section is not
    get hostname() {
      return (hostname ??= hostName());
    },
    relaxed: opts.relaxed ?? false,
    users: opts.users ?? fileUserDatabase(),
    cwd,
    env,
    environExpansions: new Map<string, PyValue>(definedEnv(env).map(([k, v]) => [`ENV_${k}`, v])),
    warnings: [],
    infos: [],
    relaxedChecks: [],
    processSection: null,
  };
}

/** Reads the file 4.2.5 would open, with its two error messages. */
function readConfigText(file: string, cwd: string): string {
  const absolute = joinPath(cwd, file);
  if (!fs.existsSync(absolute)) throw new PyValueError(`could not find config file ${file}`);
  try {
    return fs.readFileSync(absolute, 'utf8');
  } catch {
    throw new PyValueError(`could not read config file ${file}`);
  }
}

function parseInto(parse: () => void): void {
  try {
    parse();
  } catch (e) {
    if (e instanceof IniParseError) throw new PyValueError(e.message);
    throw e;
  }
}

function processIncludes(ctx: LoadContext): void {
  const parser = ctx.parser;
  if (!parser.hasSection('include')) return;
  parser.expandHere(ctx.here);
  const filesValue = parser.get('include', 'files');
  if (filesValue === undefined) throw new PyValueError('.ini file has [include] section, but no files setting');
  const expansions: Expansions = new Map<string, PyValue>([
    ['here', ctx.here],
    ['host_node_name', ctx.hostname],
  ]);
  for (const [k, v] of ctx.environExpansions) expansions.set(k, v);
  const base = pythonDirname(pythonNormpath(joinPath(ctx.cwd, ctx.configFile)));
  for (const relative of expand(filesValue, expansions, 'include.files').split(/[\s\x1c-\x1f\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u).filter(Boolean)) {
    const pattern = joinPath(base, relative);
    const filenames = globSorted(pattern);
    if (!filenames.length) {
      ctx.warnings.push(`No file matches via include "${pattern}"`);
      continue;
    }
    for (const filename of filenames) {
      ctx.infos.push(`Included extra file "${filename}" during parsing`);
      let text: string;
      try {
        text = fs.readFileSync(filename, 'utf8');
      } catch {
        // ConfigParser.read silently skips files it cannot open
        parser.expandHere(pythonNormpath(pythonDirname(filename)));
        continue;
      }
      parseInto(() => parser.readIncluded(text, filename));
      parser.expandHere(pythonNormpath(joinPath(ctx.cwd, pythonDirname(filename))));
    }
  }
}

/** The [supervisord] section in 4.2.5's key order; every value sees ENV_* and here. */
function readSupervisordSection(ctx: LoadContext): SupervisordSettings {
  const here: Array<[string, PyValue]> = [['here', ctx.here]];
  const get = <D extends string | number | boolean | null>(key: string, fallback: D) =>
    saneget(ctx, 'supervisord', key, fallback, here);
  const def = (key: string) => keySpec('supervisord', key).default as string | number;
  const dirpath = (key: string) => {
    const value = String(get(key, def(key)));
    return machineCheck(ctx, 'dirpath', { section: 'supervisord', key, value }, () => existingDirpath(value, ctx), () =>
      expandUser(value, ctx.env, ctx.users),
    );
  };
  const directoryCheck = (key: string, value: string) =>
    machineCheck(ctx, 'directory', { section: 'supervisord', key, value }, () => existingDirectory(value, ctx), () =>
      expandUser(value, ctx.env, ctx.users),
    );

  const minfds = integer(get('minfds', def('minfds')));
  const minprocs = integer(get('minprocs', def('minprocs')));
  const directoryValue = get('directory', null);
  const directory = directoryValue === null ? null : directoryCheck('directory', directoryValue);
  const user = get('user', null);
  const umask = octalType(String(get('umask', def('umask'))));
  const logfile = dirpath('logfile');
  const logfileMaxbytes = byteSize(String(get('logfile_maxbytes', def('logfile_maxbytes'))));
  const logfileBackups = integer(get('logfile_backups', def('logfile_backups')));
  const loglevel = loggingLevel(String(get('loglevel', def('loglevel'))));
  const pidfile = dirpath('pidfile');
  const identifier = String(get('identifier', def('identifier')));
  const nodaemon = boolean(String(get('nodaemon', def('nodaemon'))));
  const silent = boolean(String(get('silent', def('silent'))));
  const childlogdir = directoryCheck('childlogdir', String(get('childlogdir', pythonTempdir(ctx.env))));
  const nocleanup = boolean(String(get('nocleanup', def('nocleanup'))));
  const stripAnsi = boolean(String(get('strip_ansi', def('strip_ansi'))));

  // environment= is expanded twice, the second time with host_node_name too
  const environmentOnce = get('environment', '');
  const secondPass: Expansions = new Map<string, PyValue>([
    ['here', ctx.here],
    ['host_node_name', ctx.hostname],
  ]);
  for (const [k, v] of ctx.environExpansions) secondPass.set(k, v);
  const environment = dictOfKeyValuePairs(expand(environmentOnce, secondPass, 'environment'));
  // later sections see [supervisord] environment as ENV_*
  for (const [k, v] of Object.entries(environment)) ctx.environExpansions.set(`ENV_${k}`, v);

  return {
    nodaemon,
    silent,
    nocleanup,
    strip_ansi: stripAnsi,
    user,
    uid: null,
    gid: null,
    umask,
    directory,
    logfile,
    logfile_maxbytes: logfileMaxbytes,
    logfile_backups: logfileBackups,
    loglevel,
    pidfile,
    identifier,
    childlogdir,
    minfds,
    minprocs,
    environment,
  };
}

/**
 * [supervisord] environment_file= (beyond 4.2.5): read after environment=, so its path may use the
 * ENV_* names that environment= adds; relative paths start at the section's file's directory.
 */
function supervisordEnvironmentFiles(ctx: LoadContext): Record<string, string> {
  const value = saneget(ctx, 'supervisord', ENVIRONMENT_FILE_KEY, null, [['here', ctx.here]]);
  if (value === null) return {};
  const file = ctx.parser.sectionToFile.get('supervisord') ?? ctx.configFile;
  try {
    return readEnvironmentFiles(value, pythonDirname(joinPath(ctx.cwd, file)));
  } catch (e) {
    if (e instanceof PyValueError) throw new PyValueError(e.message + inSectionSuffix(ctx, 'supervisord'));
    throw e;
  }
}

type Overrides = NonNullable<LoadOptions['overrides']>;

/** Command-line values converted as supervisord's option handlers do, before the file is read. */
function convertOverrides(ctx: LoadContext, overrides: Overrides): Partial<SupervisordSettings> {
  const out: Partial<SupervisordSettings> = {};
  for (const [key, value] of Object.entries(overrides) as Array<[keyof SupervisordSettings, string | boolean]>) {
    if (value === undefined) continue;
    const spec = keySpec('supervisord', key);
    const text = String(value);
    try {
      switch (spec.type) {
        case 'boolean':
          (out as Record<string, unknown>)[key] = typeof value === 'boolean' ? value : boolean(text);
          break;
        case 'octal':
          (out as Record<string, unknown>)[key] = octalType(text);
          break;
        case 'integer':
          (out as Record<string, unknown>)[key] = pyInt(text);
          break;
        case 'byte_size':
          (out as Record<string, unknown>)[key] = byteSize(text);
          break;
        case 'loglevel':
          (out as Record<string, unknown>)[key] = loggingLevel(text);
          break;
        case 'dirpath':
          (out as Record<string, unknown>)[key] = machineCheck(ctx, 'dirpath', { section: 'supervisord', key, value: text }, () => existingDirpath(text, ctx), () => text);
          break;
        case 'existing_directory':
          (out as Record<string, unknown>)[key] = machineCheck(ctx, 'directory', { section: 'supervisord', key, value: text }, () => existingDirectory(text, ctx), () => text);
          break;
        case 'environment':
          throw new PyValueError('environment cannot be set on the command line');
        default:
          (out as Record<string, unknown>)[key] = text;
      }
    } catch (e) {
      if (e instanceof PyValueError) throw new PyValueError(`invalid value for ${spec.cli ?? '--' + key} ${pyRepr(text)}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

function extraSections(parser: IniDocument, configFile: string): RawSection[] {
  return parser
    .sections()
    .filter((name) => sectionKind(name) === null)
    .map((name) => ({
      name,
      file: parser.sectionToFile.get(name) ?? configFile,
      values: Object.fromEntries(parser.items(name)),
    }));
}

function load(file: string, opts: LoaderOptions, ctx: LoadContext): Config {
  const overrides = convertOverrides(ctx, opts.overrides ?? {});
  const text = readConfigText(file, ctx.cwd);
  parseInto(() => ctx.parser.read(text, file));
  processIncludes(ctx);
  if (!ctx.parser.sections().includes('supervisord')) {
    throw new PyValueError('.ini file does not include supervisord section');
  }
  const supervisord = { ...readSupervisordSection(ctx), ...overrides };
  const daemonFileEnvironment = supervisordEnvironmentFiles(ctx);
  const rpcinterface = pluginsFromParser(ctx, 'supervisor.rpcinterface_factory', 'rpcinterface:');
  const groups = processGroupsFromParser(ctx);
  for (const group of groups) {
    // lowest first (docs/operations.md): [supervisord] environment_file, [supervisord] environment,
    // then the program's own (its environment_file under its environment=, merged in groups.ts)
    for (const proc of group.processes) proc.environment = { ...daemonFileEnvironment, ...supervisord.environment, ...proc.environment };
    // keys beyond 4.2.5 are checked here so that a bad value is a config error, not a spawn failure
    for (const proc of group.processes) readOutputSettings(proc);
    if (group.type === 'eventlistener') readPoolSettings(group);
  }
  checkDependencies(groups);
  const { inet, unix, probe } = serverConfigsFromParser(ctx);

  if (supervisord.user !== null) {
    const user = supervisord.user;
    const uid = machineCheck(ctx, 'user', { section: 'supervisord', key: 'user', value: user }, () => nameToUid(user, ctx.users), () => null);
    supervisord.uid = uid;
    supervisord.gid = uid === null ? null : gidForUid(uid, ctx.users);
  }
  if (supervisord.logfile !== 'syslog') supervisord.logfile = normalizePath(supervisord.logfile, ctx);
  supervisord.pidfile = normalizePath(supervisord.pidfile, ctx);
  // beyond 4.2.5 (which ignores the key), so kept out of SupervisordSettings, whose dump is 4.2.5's;
  // relative to the working directory at startup, as pidfile is
  const statefileValue = saneget(ctx, 'supervisord', 'statefile', null, [['here', ctx.here]]);
  const statefile = statefileValue === null || String(statefileValue).trim() === '' ? null : normalizePath(String(statefileValue).trim(), ctx);

  return {
    configFile: pythonNormpath(joinPath(ctx.cwd, file)),
    supervisord,
    groups,
    server: { serverurl: childServerUrl(inet, unix), inet_http_server: inet, unix_http_server: unix, probe_http_server: probe, rpcinterface },
    warnings: ctx.warnings,
    infos: ctx.infos,
    relaxed: ctx.relaxedChecks,
    statefile,
    extraSections: extraSections(ctx.parser, file),
  };
}

/**
 * Loads `file` as supervisord 4.2.5 would (`supervisord -c file`). Throws ConfigError with 4.2.5's
 * message when 4.2.5 rejects the file; with `relaxed`, machine-dependent failures are recorded in
 * `relaxed` instead. The result also carries what supervisorctl makes of the file.
 */
export function loadConfig(file: string, opts: LoaderOptions = {}): Config {
  const ctx = newContext(file, opts, new IniDocument());
  let config: Config;
  try {
    config = load(file, opts, ctx);
  } catch (e) {
    const error = asConfigError(e);
    if (error instanceof ConfigError) Object.assign(error, { relaxed: ctx.relaxedChecks });
    throw error;
  }
  config.supervisorctl = loadCtlConfig(file, opts);
  return config;
}

/** Like loadConfig, but a rejected file is a value (with the checks relaxed before the error). */
export function loadConfigResult(file: string, opts: LoaderOptions = {}): Config | ConfigRejection {
  try {
    return loadConfig(file, opts);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const relaxed = (e as ConfigError & { relaxed?: Config['relaxed'] }).relaxed ?? [];
    return { ok: false, error: e.message, error_kind: 'usage', relaxed };
  }
}

/** The [supervisorctl] side of a file as `supervisorctl -c file` reads it (no [include]). */
export function loadCtlConfig(file: string, opts: LoaderOptions = {}): CtlLoadResult {
  const parser = new IniDocument();
  const ctx = newContext(file, opts, parser);
  ctx.here = pythonDirname(normalizePath(file, ctx));
  try {
    parseInto(() => parser.read(readConfigText(file, ctx.cwd), file));
    if (!parser.sections().includes('supervisorctl')) {
      throw new PyValueError('.ini file does not include supervisorctl section');
    }
    const here: Array<[string, PyValue]> = [['here', ctx.here]];
    let serverurl = saneget(ctx, 'supervisorctl', 'serverurl', 'http://localhost:9001', here);
    if (serverurl.startsWith('unix://')) serverurl = `unix://${normalizePath(serverurl.slice(7), ctx)}`;
    const prompt = saneget(ctx, 'supervisorctl', 'prompt', 'supervisor');
    const username = saneget(ctx, 'supervisorctl', 'username', null);
    const password = saneget(ctx, 'supervisorctl', 'password', null);
    const historyValue = saneget(ctx, 'supervisorctl', 'history_file', null, here);
    const history_file = historyValue ? normalizePath(historyValue, ctx) : null;
    const plugins = pluginsFromParser(ctx, 'supervisor.ctl_factory', 'ctlplugin:');
    return { ok: true, serverurl, username, password, prompt, history_file, plugins, relaxed: ctx.relaxedChecks };
  } catch (e) {
    const error = asConfigError(e);
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, error: error.message, error_kind: 'usage', relaxed: ctx.relaxedChecks };
  }
}
