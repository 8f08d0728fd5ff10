// 4.2.5's value converters (supervisor/datatypes.py) with their exact error texts. Each throws
// PyValueError; the loader adds the section context 4.2.5 adds.
import fs from 'node:fs';
import path from 'node:path';
import { PyValueError, pyInt, pyRepr, pyStrip, pyStripChars } from './python.js';
import { shlexTokens } from './shlex.js';
import type { UserDatabase } from './users.js';
import type { AutorestartSetting, LogLevelName } from './types.js';
import { tempDirectory } from './host.js';

/** 4.2.5's TRUTHY_STRINGS and FALSY_STRINGS (compared lower-cased); [plugin:x] booleans take the same words. */
export const TRUTHY: readonly string[] = ['yes', 'true', 'on', '1'];
export const FALSY: readonly string[] = ['no', 'false', 'off', '0'];

export function boolean(value: string | boolean): boolean {
  const s = typeof value === 'boolean' ? (value ? 'true' : 'false') : value.toLowerCase();
  if (TRUTHY.includes(s)) return true;
  if (FALSY.includes(s)) return false;
  throw new PyValueError(`not a valid boolean value: ${typeof value === 'string' ? pyRepr(value) : String(value)}`);
}

export function integer(value: string | number): number {
  return typeof value === 'number' ? value : pyInt(value);
}

/** Comma-separated list, items stripped; empty value = empty list. */
export function listOfStrings(value: string | null): string[] {
  if (!value) return [];
  return value.split(',').map(pyStrip);
}

export function listOfExitcodes(value: string): number[] {
  try {
    if (!value) return [];
    const codes = value.split(',').map((v) => pyInt(v));
    if (codes.some((c) => c > 255 || c < 0)) throw new PyValueError('out of range');
    return codes;
  } catch {
    throw new PyValueError(`not a valid list of exit codes: ${pyRepr(value)}`);
  }
}

const BYTE_SUFFIXES: Array<[string, number]> = [
  ['kb', 1024],
  ['mb', 1024 * 1024],
  ['gb', 1024 * 1024 * 1024],
];

/** A size with an optional KB/MB/GB suffix; the error quotes the lower-cased number part. */
export function byteSize(value: string): number {
  const v = value.toLowerCase();
  for (const [suffix, multiplier] of BYTE_SUFFIXES) {
    if (v.slice(-2) === suffix) return pyInt(v.slice(0, -2)) * multiplier;
  }
  return pyInt(v);
}

export function octalType(value: string): number {
  try {
    return pyInt(value, 8);
  } catch {
    throw new PyValueError(`${value} can not be converted to an octal type`);
  }
}

/** Python's signal module on Linux: every SIG* attribute, including aliases and SIG_DFL-style handlers. */
export const SIGNAL_ATTRIBUTES: Record<string, number> = {
  SIGABRT: 6, SIGALRM: 14, SIGBUS: 7, SIGCHLD: 17, SIGCLD: 17, SIGCONT: 18, SIGFPE: 8, SIGHUP: 1,
  SIGILL: 4, SIGINT: 2, SIGIO: 29, SIGIOT: 6, SIGKILL: 9, SIGPIPE: 13, SIGPOLL: 29, SIGPROF: 27,
  SIGPWR: 30, SIGQUIT: 3, SIGRTMAX: 64, SIGRTMIN: 34, SIGSEGV: 11, SIGSTKFLT: 16, SIGSTOP: 19,
  SIGSYS: 31, SIGTERM: 15, SIGTRAP: 5, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23,
  SIGUSR1: 10, SIGUSR2: 12, SIGVTALRM: 26, SIGWINCH: 28, SIGXCPU: 24, SIGXFSZ: 25,
  SIG_BLOCK: 0, SIG_DFL: 0, SIG_IGN: 1, SIG_SETMASK: 2, SIG_UNBLOCK: 1,
};
const VALID_SIGNAL_NUMBERS = new Set(Object.values(SIGNAL_ATTRIBUTES));
/** Canonical name of each number (Python's signal.Signals(n).name), for display. */
const SIGNAL_NAMES: Record<number, string> = {
  1: 'HUP', 2: 'INT', 3: 'QUIT', 4: 'ILL', 5: 'TRAP', 6: 'ABRT', 7: 'BUS', 8: 'FPE', 9: 'KILL',
  10: 'USR1', 11: 'SEGV', 12: 'USR2', 13: 'PIPE', 14: 'ALRM', 15: 'TERM', 16: 'STKFLT', 17: 'CHLD',
  18: 'CONT', 19: 'STOP', 20: 'TSTP', 21: 'TTIN', 22: 'TTOU', 23: 'URG', 24: 'XCPU', 25: 'XFSZ',
  26: 'VTALRM', 27: 'PROF', 28: 'WINCH', 29: 'IO', 30: 'PWR', 31: 'SYS', 34: 'RTMIN', 64: 'RTMAX',
};

export function signalNumber(value: string): number {
  let num: number;
  try {
    num = pyInt(value);
  } catch {
    let name = pyStrip(value).toUpperCase();
    if (!name.startsWith('SIG')) name = 'SIG' + name;
    const found = Object.prototype.hasOwnProperty.call(SIGNAL_ATTRIBUTES, name) ? SIGNAL_ATTRIBUTES[name] : undefined;
    if (found === undefined) throw new PyValueError(`value ${pyRepr(value)} is not a valid signal name`);
    num = found;
  }
  if (!VALID_SIGNAL_NUMBERS.has(num)) throw new PyValueError(`value ${pyRepr(value)} is not a valid signal number`);
  return num;
}

/** "TERM" for 15; the number as text when it has no name (0). */
export function signalName(num: number): string {
  return SIGNAL_NAMES[num] ?? String(num);
}

export function autoRestart(value: string): AutorestartSetting {
  const v = value.toLowerCase();
  if (TRUTHY.includes(v)) return 'true';
  if (FALSY.includes(v)) return 'false';
  if (v === 'unexpected') return 'unexpected';
  throw new PyValueError(`invalid 'autorestart' value ${pyRepr(v)}`);
}

const LOG_LEVELS: LogLevelName[] = ['critical', 'error', 'warn', 'info', 'debug', 'trace', 'blather'];

export function loggingLevel(value: string): LogLevelName {
  const s = value.toLowerCase() as LogLevelName;
  if (!LOG_LEVELS.includes(s)) throw new PyValueError(`bad logging level name ${pyRepr(value)}`);
  return s;
}

/** Program, group and process names: stripped, no space, ':' or '/'. */
export function processOrGroupName(name: string): string {
  const s = pyStrip(name);
  for (const ch of ' :/') {
    if (s.includes(ch)) throw new PyValueError(`Invalid name: ${pyRepr(name)} because of character: ${pyRepr(ch)}`);
  }
  return s;
}

/** Python os.path.expanduser, with HOME taken from the environment 4.2.5 runs in. */
export function expandUser(p: string, env: Record<string, string | undefined>, users: UserDatabase): string {
  if (!p.startsWith('~')) return p;
  const slash = p.indexOf('/', 1);
  const end = slash === -1 ? p.length : slash;
  let home: string | undefined;
  if (end === 1) {
    home = env['HOME'];
    if (home === undefined) {
      const uid = process.getuid?.();
      home = uid === undefined ? undefined : users.userById(uid)?.home;
    }
  } else {
    home = users.userByName(p.slice(1, end))?.home;
  }
  if (home === undefined) return p;
  home = home.replace(/\/+$/, '');
  return home + p.slice(end) || '/';
}

/** A filesystem as far as the loader needs one; relative paths are resolved against `cwd`. */
export interface PathContext {
  cwd: string;
  env: Record<string, string | undefined>;
  users: UserDatabase;
}

function isDir(p: string, ctx: PathContext): boolean {
  // Python's os.path.isdir('') is False: an empty path is not the working directory
  if (p === '') return false;
  try {
    return fs.statSync(path.resolve(ctx.cwd, p)).isDirectory();
  } catch {
    return false;
  }
}

/** A path whose directory part must exist (~ expanded). */
export function existingDirpath(value: string, ctx: PathContext): string {
  const nv = expandUser(value, ctx.env, ctx.users);
  const dir = pythonDirname(nv);
  if (!dir || isDir(dir, ctx)) return nv;
  throw new PyValueError(`The directory named as part of the path ${value} does not exist`);
}

export function existingDirectory(value: string, ctx: PathContext): string {
  const nv = expandUser(value, ctx.env, ctx.users);
  if (isDir(nv, ctx)) return nv;
  throw new PyValueError(`${value} is not an existing directory`);
}

/** Python os.path.dirname: everything before the last '/', trailing slashes removed unless all slashes. */
export function pythonDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

/** Python os.path.normpath(os.path.abspath(os.path.expanduser(v))) against `cwd`. */
export function normalizePath(value: string, ctx: PathContext): string {
  const expanded = expandUser(value, ctx.env, ctx.users);
  const absolute = expanded.startsWith('/') ? expanded : joinPath(ctx.cwd, expanded);
  return pythonNormpath(absolute);
}

export function joinPath(base: string, p: string): string {
  if (p.startsWith('/')) return p;
  if (!base || base.endsWith('/')) return base + p;
  return base + '/' + p;
}

/** Python posixpath.normpath (keeps a leading "//"). */
export function pythonNormpath(p: string): string {
  if (!p) return '.';
  let initialSlashes = p.startsWith('/') ? 1 : 0;
  if (initialSlashes && p.startsWith('//') && !p.startsWith('///')) initialSlashes = 2;
  const parts: string[] = [];
  for (const comp of p.split('/')) {
    if (!comp || comp === '.') continue;
    if (comp !== '..' || (!initialSlashes && !parts.length) || (parts.length && parts[parts.length - 1] === '..')) {
      parts.push(comp);
    } else if (parts.length) parts.pop();
  }
  const joined = '/'.repeat(initialSlashes) + parts.join('/');
  return joined || '.';
}

/** stdout_logfile/stderr_logfile: NONE/OFF -> null, AUTO -> 'AUTO', syslog -> 'syslog', else a path. */
export type LogfileName = string | null | { special: 'AUTO' | 'syslog' };

export function logfileName(value: string, checkDirpath: (v: string) => string): LogfileName {
  const v = value.toLowerCase();
  if (v === 'none' || v === 'off') return null;
  if (v === 'auto') return { special: 'AUTO' };
  if (v === 'syslog') return { special: 'syslog' };
  return checkDirpath(value);
}

export function nameToUid(name: string, users: UserDatabase): number {
  let uid: number;
  try {
    uid = pyInt(name);
  } catch {
    const entry = users.userByName(name);
    if (!entry) throw new PyValueError(`Invalid user name ${name}`);
    return entry.uid;
  }
  if (!users.userById(uid)) throw new PyValueError(`Invalid user id ${name}`);
  return uid;
}

export function nameToGid(name: string, users: UserDatabase): number {
  let gid: number;
  try {
    gid = pyInt(name);
  } catch {
    const entry = users.groupByName(name);
    if (!entry) throw new PyValueError(`Invalid group name ${name}`);
    return entry.gid;
  }
  if (!users.groupById(gid)) throw new PyValueError(`Invalid group id ${name}`);
  return gid;
}

export function gidForUid(uid: number, users: UserDatabase): number | null {
  return users.userById(uid)?.gid ?? null;
}

/** "user" or "user:group" -> [uid, gid], gid -1 when no group is given. */
export function colonSeparatedUserGroup(value: string, users: UserDatabase): [number, number] {
  try {
    const colon = value.indexOf(':');
    if (colon === -1) return [nameToUid(value, users), -1];
    return [nameToUid(value.slice(0, colon), users), nameToGid(value.slice(colon + 1), users)];
  } catch {
    throw new PyValueError(`Invalid user:group definition ${value}`);
  }
}

function portNumber(value: string): number {
  const v = pyInt(value);
  if (v < 1) throw new PyValueError(`${v} is below lower bound (1)`);
  if (v > 0xffff) throw new PyValueError(`${v} is above upper bound (65535)`);
  return v;
}

/** [inet_http_server] port: "host:port", ":port", "*:port" or "port" -> [host, port]. */
export function inetAddress(value: string): [string, number] {
  let host = '';
  let port: number;
  const colon = value.lastIndexOf(':');
  if (colon !== -1) {
    host = value.slice(0, colon);
    const s = value.slice(colon + 1);
    if (!s) throw new PyValueError(`no port number specified in ${pyRepr(s)}`);
    port = portNumber(s);
    host = host.toLowerCase();
  } else {
    try {
      port = portNumber(value);
    } catch {
      throw new PyValueError(`not a valid port number: ${pyRepr(value)} `);
    }
  }
  if (!host || host === '*') host = '';
  return [host, port];
}

/**
 * environment=: KEY=VALUE pairs as 4.2.5 reads them, through shlex's non-POSIX tokenizer. The
 * token after each value is skipped unchecked, so anything there is silently lost.
 */
export function dictOfKeyValuePairs(value: string): Record<string, string> {
  const tokens = shlexTokens(value, '/.+-():');
  const result: Record<string, string> = Object.create(null);
  for (let i = 0; i < tokens.length; i += 4) {
    const kv = tokens.slice(i, i + 3);
    if (kv.length !== 3 || kv[1] !== '=') {
      throw new PyValueError(`Unexpected end of key/value pairs in value '${value}'`);
    }
    result[kv[0]!] = pyStripChars(kv[2]!, '\'"');
  }
  return result;
}

/** The system's temporary directory as Python's tempfile.gettempdir() picks it. */
export function pythonTempdir(env: Record<string, string | undefined>): string {
  for (const name of ['TMPDIR', 'TEMP', 'TMP']) {
    const dir = env[name];
    if (dir && isWritableDir(dir)) return path.resolve(dir);
  }
  for (const dir of ['/tmp', '/var/tmp', '/usr/tmp']) if (isWritableDir(dir)) return dir;
  return tempDirectory();
}

function isWritableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
