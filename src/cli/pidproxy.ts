// pidproxy PIDFILE COMMAND [ARGS]: runs a program that daemonizes itself (mysqld_safe, ...) and
// forwards the signals supervisord sends to the pid that program writes in PIDFILE, as 4.2.5's does.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FORWARDED = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'] as const;
const EXIT_AFTER = new Set<string>(['SIGTERM', 'SIGINT', 'SIGQUIT']);

function usage(argv0: string): string {
  return (
    'pidproxy -- run command and proxy signals to it via its pidfile.\n\n' +
    'This executable runs a command and then monitors a pidfile.  When this\n' +
    'executable receives a signal, it sends the same signal to the pid\n' +
    'in the pidfile.\n\n' +
    `Usage: ${argv0} <pidfile name> <command> [<cmdarg1> ...]\n`
  );
}

function readPid(pidfile: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidfile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function main(argv: string[] = process.argv.slice(2), argv0 = process.argv[1] ?? 'pidproxy'): void {
  const [pidfile, command, ...args] = argv;
  if (pidfile === undefined || command === undefined) {
    process.stdout.write(`${usage(argv0)}\n`);
    process.exit(1);
  }
  // 4.2.5 runs os.path.abspath(argv[0]) without a PATH search; a bare name is found on PATH here.
  const file = command.includes('/') ? path.resolve(command) : command;
  const child = spawn(file, args, { stdio: 'inherit', argv0: command });

  for (const sig of FORWARDED) {
    process.on(sig, () => {
      const pid = readPid(pidfile);
      if (pid === null) {
        process.stdout.write(`Can't read child pidfile ${pidfile}!\n`);
        return;
      }
      try {
        process.kill(pid, sig);
      } catch (err) {
        process.stderr.write(`pidproxy: cannot send ${sig} to ${pid}: ${(err as Error).message}\n`);
      }
      if (EXIT_AFTER.has(sig)) process.exit(0);
    });
  }
  child.on('error', (err) => {
    process.stderr.write(`pidproxy: cannot run ${command}: ${err.message}\n`);
    process.exit(127);
  });
  // The launcher usually exits once it has daemonized; like 4.2.5, stay until it does and then leave,
  // passing its exit status on so that supervisord's exitcodes see the real outcome.
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
  });
}
