// supervisord's command line, as 4.2.5 parses it (Python getopt), mapped onto [supervisord] keys.
import { getopt, GetoptError } from './getopt.js';
import type { SupervisordSettings } from '../config/types.js';

export class UsageError extends Error {}

type SettingKey = keyof SupervisordSettings;

interface OptionSpec {
  short?: string;
  long: string;
  /** the [supervisord] key it overrides; undefined for -c/-h/-v */
  key?: SettingKey | 'profile_options';
  takesValue: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  { short: 'c', long: 'configuration', takesValue: true },
  { short: 'h', long: 'help', takesValue: false },
  { short: '?', long: '', takesValue: false },
  { short: 'v', long: 'version', takesValue: false },
  { short: 'n', long: 'nodaemon', key: 'nodaemon', takesValue: false },
  { short: 'u', long: 'user', key: 'user', takesValue: true },
  { short: 'm', long: 'umask', key: 'umask', takesValue: true },
  { short: 'd', long: 'directory', key: 'directory', takesValue: true },
  { short: 'l', long: 'logfile', key: 'logfile', takesValue: true },
  { short: 'y', long: 'logfile_maxbytes', key: 'logfile_maxbytes', takesValue: true },
  { short: 'z', long: 'logfile_backups', key: 'logfile_backups', takesValue: true },
  { short: 'e', long: 'loglevel', key: 'loglevel', takesValue: true },
  { short: 'j', long: 'pidfile', key: 'pidfile', takesValue: true },
  { short: 'i', long: 'identifier', key: 'identifier', takesValue: true },
  { short: 'q', long: 'childlogdir', key: 'childlogdir', takesValue: true },
  { short: 'a', long: 'minfds', key: 'minfds', takesValue: true },
  { long: 'minprocs', key: 'minprocs', takesValue: true },
  { short: 'k', long: 'nocleanup', key: 'nocleanup', takesValue: false },
  { short: 't', long: 'strip_ansi', key: 'strip_ansi', takesValue: false },
  { long: 'profile_options', key: 'profile_options', takesValue: true },
  { short: 's', long: 'silent', key: 'silent', takesValue: false },
];

export interface SupervisordArgs {
  configFile: string | null;
  help: boolean;
  version: boolean;
  /** raw values as given; flags are `true`. Converted and validated by the config loader. */
  overrides: Partial<Record<SettingKey, string | boolean>>;
  /** the option as typed for each override, for error messages ("invalid value for -e ...") */
  optionNames: Partial<Record<SettingKey, string>>;
}

export function parseSupervisordArgs(argv: readonly string[]): SupervisordArgs {
  const shortopts = OPTIONS.filter((o) => o.short).map((o) => o.short + (o.takesValue ? ':' : '')).join('');
  const longopts = OPTIONS.filter((o) => o.long).map((o) => o.long + (o.takesValue ? '=' : ''));
  let parsed;
  try {
    parsed = getopt(argv, shortopts, longopts);
  } catch (err) {
    if (err instanceof GetoptError) throw new UsageError(err.message);
    throw err;
  }
  if (parsed.args.length > 0) {
    throw new UsageError(`positional arguments are not supported: ${pythonListRepr(parsed.args)}`);
  }
  const result: SupervisordArgs = { configFile: null, help: false, version: false, overrides: {}, optionNames: {} };
  const seen = new Set<string>();
  for (const [opt, value] of parsed.options) {
    const spec = OPTIONS.find((o) => `-${o.short}` === opt || `--${o.long}` === opt)!;
    if (spec.long === 'help' || spec.short === '?') result.help = true;
    else if (spec.long === 'version') result.version = true;
    else {
      // 4.2.5: each option may be given once ("conflicting command line option '-c'")
      const id = spec.key ?? 'configuration';
      if (seen.has(id)) throw new UsageError(`conflicting command line option '${opt}'`);
      seen.add(id);
      if (spec.long === 'configuration') result.configFile = value;
      else if (spec.key && spec.key !== 'profile_options') {
        result.overrides[spec.key] = spec.takesValue ? value : true;
        result.optionNames[spec.key] = opt;
      }
    }
  }
  return result;
}

function pythonListRepr(items: readonly string[]): string {
  return `[${items.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

export const HELP_TEXT = `supervisord -- run a set of applications as daemons.

Usage: %s [options]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of supervisord
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup --  prevent the process from performing cleanup (removal of
                   old automatic child log files) at startup.
-a/--minfds NUM -- the minimum number of file descriptors for start success
-t/--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM  -- the minimum number of processes available for start success
--profile_options OPTIONS -- accepted for compatibility and ignored (4.2.5 runs
                             under a Python profiler; use node --cpu-prof)
`;
