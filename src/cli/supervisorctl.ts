// supervisorctl: the command line and [supervisorctl] section, then one command (exit status = its
// result) or the interactive shell (exit status 0).
import { exitWhenFlushed } from '../util/exit-when-flushed.js';
import path from 'node:path';
import process from 'node:process';
import { COMMANDS } from '../ctl/command-table.js';
import { ShellCompleter } from '../ctl/completion.js';
import { Controller, type Output } from '../ctl/controller.js';
import { ReadlineInput } from '../ctl/line-input.js';
import { CTL_HELP_TEXT, CtlUsageError, parseCtlArgs, type CtlArgsResult } from '../ctl/options.js';
import { readHistory, runShell, writeHistory } from '../ctl/shell.js';

const consoleOutput: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export async function main(argv: string[] = process.argv.slice(2), progname = process.argv[1] ?? 'supervisorctl'): Promise<void> {
  let parsed: CtlArgsResult;
  try {
    parsed = parseCtlArgs(argv, { argv0Dir: path.dirname(path.resolve(progname)), cwd: process.cwd() });
  } catch (err) {
    if (!(err instanceof CtlUsageError)) throw err;
    process.stderr.write(`Error: ${err.message}\nFor help, use ${progname} -h\n`);
    return exitWhenFlushed(2);
  }
  if (parsed.help) {
    process.stdout.write(CTL_HELP_TEXT.replace('%s', progname) + '\n');
    return exitWhenFlushed(0);
  }
  const options = parsed;
  let input: ReadlineInput | null = null;
  const history = options.interactive && options.historyFile ? readHistory(options.historyFile) : undefined;
  // One-off command: Ctrl-C ends tail -f / fg; otherwise it interrupts as usual.
  const onSigint = (): void => {
    if (ctl.onInterrupt) return ctl.onInterrupt();
    process.off('SIGINT', onSigint);
    process.kill(process.pid, 'SIGINT');
  };
  const ctl: Controller = new Controller(options, COMMANDS, consoleOutput, (): ReadlineInput => {
    if (input) return input;
    input = new ReadlineInput({ input: process.stdin, output: process.stdout, ...(completer ? { completer: completer.complete } : {}), history });
    // on a terminal readline reads in raw mode (fg's input, a password prompt), where Ctrl-C is a
    // keypress it reports, not SIGINT; the shell sets its own handler (runShell)
    input.onSigint = onSigint;
    return input;
  });
  const completer: ShellCompleter | null = options.interactive ? new ShellCompleter(ctl) : null;

  if (!options.interactive) {
    process.on('SIGINT', onSigint);
    await ctl.onecmd(options.args.join(' '));
    process.off('SIGINT', onSigint);
    ctl.close();
    await exitWhenFlushed(ctl.exitstatus);
  }

  const shellInput = ctl.input() as ReadlineInput;
  shellInput.onSigint = () => ctl.onInterrupt?.();
  await runShell(ctl, shellInput, () => completer!.forget());
  if (options.historyFile) writeHistory(options.historyFile, shellInput.history());
  shellInput.close();
  ctl.close();
  await exitWhenFlushed(0);
}
