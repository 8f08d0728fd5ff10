// Turning `command=` into the file to execute and its argv, with 4.2.5's parent-side checks
// and its exact spawnerr texts (they reach `status`, the API and the main log).
import fs from 'node:fs';
import path from 'node:path';

export type CommandErrorKind = 'bad-command' | 'not-found' | 'not-executable' | 'no-permission';

/** Why a command cannot be spawned; `kind` decides the RPC fault (not-found -> NO_FILE, else NOT_EXECUTABLE). */
export class CommandError extends Error {
  constructor(
    readonly kind: CommandErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

const WHITESPACE = ' \t\r\n';

/** Python's shlex.split(s) in POSIX mode: quotes and backslashes, no comments, no expansion. */
export function shlexSplit(input: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let quoted = false;
  let inToken = false;
  let state: 'space' | 'word' | "'" | '"' | 'escape' = 'space';
  let escapedFrom: 'word' | '"' = 'word';

  const finishToken = (): void => {
    if (inToken || quoted) tokens.push(token);
    token = '';
    quoted = false;
    inToken = false;
  };

  for (const ch of input) {
    switch (state) {
      case 'space':
      case 'word':
        if (WHITESPACE.includes(ch)) {
          if (state === 'word') finishToken();
          state = 'space';
        } else if (ch === '\\') {
          escapedFrom = 'word';
          state = 'escape';
          inToken = true;
        } else if (ch === "'" || ch === '"') {
          state = ch;
          quoted = true;
          inToken = true;
        } else {
          token += ch;
          inToken = true;
          state = 'word';
        }
        break;
      case "'":
        if (ch === "'") state = 'word';
        else token += ch;
        break;
      case '"':
        if (ch === '"') state = 'word';
        else if (ch === '\\') {
          escapedFrom = '"';
          state = 'escape';
        } else token += ch;
        break;
      case 'escape':
        // inside double quotes a backslash only escapes '"' and itself, as in POSIX sh
        if (escapedFrom === '"' && ch !== '\\' && ch !== '"') token += '\\';
        token += ch;
        state = escapedFrom;
        break;
    }
  }
  if (state === "'" || state === '"') throw new Error('No closing quotation');
  if (state === 'escape') throw new Error('No escaped character');
  if (state === 'word') finishToken();
  return tokens;
}

/** Python's repr() of a str, as 4.2.5's `%r` prints it in spawnerr texts. */
export function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** The directories argv[0] is looked up in: the program's environment PATH, else the daemon's, else a default. */
export function searchPath(programEnv: Record<string, string>, daemonEnv: NodeJS.ProcessEnv): string[] {
  if (programEnv.PATH !== undefined) return programEnv.PATH.split(':');
  if (daemonEnv.PATH) return daemonEnv.PATH.split(':');
  return ['/bin', '/usr/bin', '/usr/local/bin'];
}

export interface ResolvedCommand {
  /** the file execve() gets */
  filename: string;
  /** argv as written, argv[0] unresolved */
  argv: string[];
}

/** Parse, resolve on PATH and check a command as 4.2.5's get_execv_args does; throws CommandError. */
export function resolveCommand(command: string, pathDirs: string[]): ResolvedCommand {
  let argv: string[];
  try {
    argv = shlexSplit(command);
  } catch (err) {
    throw new CommandError('bad-command', `can't parse command ${pythonRepr(command)}: ${(err as Error).message}`);
  }
  const program = argv[0];
  if (program === undefined) throw new CommandError('bad-command', 'command is empty');

  let filename = program;
  let st: fs.Stats | undefined;
  if (program.includes('/')) {
    st = statOrUndefined(program);
  } else {
    for (const dir of pathDirs) {
      const candidate = path.join(dir, program);
      st = statOrUndefined(candidate);
      if (st !== undefined) {
        filename = candidate;
        break;
      }
    }
  }
  checkExecutable(filename, st);
  return { filename, argv };
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function checkExecutable(filename: string, st: fs.Stats | undefined): void {
  if (st === undefined) throw new CommandError('not-found', `can't find command ${pythonRepr(filename)}`);
  if (st.isDirectory()) throw new CommandError('not-executable', `command at ${pythonRepr(filename)} is a directory`);
  if ((st.mode & 0o111) === 0) {
    throw new CommandError('not-executable', `command at ${pythonRepr(filename)} is not executable`);
  }
  try {
    fs.accessSync(filename, fs.constants.X_OK);
  } catch {
    throw new CommandError('no-permission', `no permission to run command ${pythonRepr(filename)}`);
  }
}
