// supervisorctl's command line and [supervisorctl] section, resolved as 4.2.5's ClientOptions does:
// command line > config file > defaults; errors are usage errors (exit 2).
import { getopt, GetoptError } from '../cli/getopt.js';
import { loadCtlConfig } from '../config/loader.js';
import { findConfigFile } from '../config/search.js';
import { pyRepr } from '../config/python.js';

export class CtlUsageError extends Error {}

/** The `-h` text: 4.2.5's module docstring, with %s replaced by the program name. */
export const CTL_HELP_TEXT = `supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default "http://localhost:9001").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like "tail" or "stop".  If -i is specified or no action is
specified on the command line, a "shell" interpreting actions typed
interactively is started.  Use the action "help" to find out about available
actions.
`;

export interface CtlOptions {
  serverurl: string;
  username: string | null;
  password: string | null;
  prompt: string;
  historyFile: string | null;
  /** true in the shell; decides whether 401 and shutdown/reload prompt the user */
  interactive: boolean;
  /** the action and its arguments; empty for the shell */
  args: string[];
}

export type CtlArgsResult = { help: true } | ({ help: false } & CtlOptions);

interface OptionSpec {
  short: string;
  long: string;
  field: 'configfile' | 'interactive' | 'serverurl' | 'username' | 'password' | 'history' | null;
  takesValue: boolean;
}

// Order as 4.2.5 registers them (Options, then ClientOptions).
const OPTIONS: readonly OptionSpec[] = [
  { short: 'h', long: 'help', field: null, takesValue: false },
  { short: '?', long: '', field: null, takesValue: false },
  { short: 'c', long: 'configuration', field: 'configfile', takesValue: true },
  { short: 'i', long: 'interactive', field: 'interactive', takesValue: false },
  { short: 's', long: 'serverurl', field: 'serverurl', takesValue: true },
  { short: 'u', long: 'username', field: 'username', takesValue: true },
  { short: 'p', long: 'password', field: 'password', takesValue: true },
  { short: 'r', long: 'history_file', field: 'history', takesValue: true },
];

/** 4.2.5's datatypes.url: a scheme plus a host or a path. */
export function checkUrl(value: string): string {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:([^?#]*)/s.exec(value);
  // netloc or path non-empty: whatever follows the scheme, without the "//" and the query/fragment
  if (match && match[1]!.replace(/^\/\//, '') !== '') return value;
  throw new CtlUsageError(`value ${pyRepr(value)} is not a URL`);
}

/**
 * Parses argv (without the program name). `argv0Dir` is the directory of the executable, for the
 * config file search; `cwd` resolves relative candidates.
 */
export function parseCtlArgs(argv: readonly string[], env: { argv0Dir: string; cwd: string }): CtlArgsResult {
  const shortopts = OPTIONS.map((o) => o.short + (o.takesValue ? ':' : '')).join('');
  const longopts = OPTIONS.filter((o) => o.long).map((o) => o.long + (o.takesValue ? '=' : ''));
  let parsed;
  try {
    parsed = getopt(argv, shortopts, longopts);
  } catch (err) {
    if (err instanceof GetoptError) throw new CtlUsageError(err.message);
    throw err;
  }
  const given: Partial<Record<NonNullable<OptionSpec['field']>, string>> = {};
  for (const [opt, value] of parsed.options) {
    const spec = OPTIONS.find((o) => `-${o.short}` === opt || (o.long && `--${o.long}` === opt))!;
    // 4.2.5 runs -h's handler as soon as it is reached, before later options are checked
    if (spec.field === null) return { help: true };
    if (spec.field === 'serverurl') {
      try {
        checkUrl(value);
      } catch (err) {
        throw new CtlUsageError(`invalid value for ${opt} ${pyRepr(value)}: ${(err as Error).message}`);
      }
    }
    if (given[spec.field] !== undefined) throw new CtlUsageError(`conflicting command line option ${pyRepr(opt)}`);
    given[spec.field] = spec.takesValue ? value : '1';
  }

  const configFile = given.configfile ?? findConfigFile({ argv0Dir: env.argv0Dir, cwd: env.cwd });
  let fromFile = { serverurl: null as string | null, username: null as string | null, password: null as string | null, prompt: 'supervisor', history_file: null as string | null };
  if (configFile !== null) {
    const loaded = loadCtlConfig(configFile, { cwd: env.cwd });
    if (!loaded.ok) throw new CtlUsageError(loaded.error);
    fromFile = loaded;
  }
  return {
    help: false,
    serverurl: given.serverurl ?? fromFile.serverurl ?? 'http://localhost:9001',
    username: given.username ?? fromFile.username,
    password: given.password ?? fromFile.password,
    prompt: fromFile.prompt,
    // 4.2.5 stores -r under a name its shell never reads; we honour it (docs/compatibility.md)
    historyFile: given.history ?? fromFile.history_file,
    interactive: parsed.args.length === 0,
    args: parsed.args,
  };
}
