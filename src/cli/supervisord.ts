// supervisord: the boot sequence reads top to bottom: command line, config, privileges, limits,
// background, then runs until an exit signal, starting over in the same pid after a SIGHUP.
import { exitWhenFlushed } from '../util/exit-when-flushed.js';
import path from 'node:path';
import process from 'node:process';
import { parseSupervisordArgs, UsageError, HELP_TEXT, type SupervisordArgs } from './supervisord-args.js';
import { loadConfig } from '../config/loader.js';
import { findConfigFile, noConfigFileMessage } from '../config/search.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/types.js';
import { dropPrivileges } from '../daemon/privileges.js';
import { raiseLimits, RlimitError } from '../daemon/rlimits.js';
import { isDaemonChild, runDetachedCopy, reportToParent } from '../daemon/daemonize.js';
import { SignalQueue } from '../daemon/signals.js';
import { EventBus, EventSerials } from '../events/bus.js';
import { runOnce } from '../daemon/run.js';
import { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { PoolHandover } from '../daemon/pool-handover.js';
import { OrphanReaper } from '../daemon/orphan-reaper.js';
import { closeInheritedOnExec } from '../daemon/inherited-fds.js';
import { ESSENTIAL_EXIT_STATUS } from '../daemon/essential-programs.js';
import { HttpServerStartError } from '../rpc/servers.js';
import { MainLogOpenError } from '../daemon/main-log.js';
import { PluginConfigError } from '../plugins/errors.js';
import { COMPAT_VERSION } from '../version.js';

const ROOT_WARNING =
  'Supervisor is running as root.  Privileges were not dropped because no user is specified in the ' +
  'config file.  If you intend to run as root, you can set user=root in the config file to avoid this message.';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export async function main(argv: string[] = process.argv.slice(2), progname = process.argv[1] ?? 'supervisord'): Promise<void> {
  const inBackground = isDaemonChild();
  const fail = (message: string): never => {
    const text = `Error: ${message}\nFor help, use ${progname} -h\n`;
    if (inBackground) reportToParent({ ok: false, message: text });
    else process.stderr.write(text);
    throw new Exit(2);
  };

  try {
    let args: SupervisordArgs;
    try {
      args = parseSupervisordArgs(argv);
    } catch (err) {
      if (err instanceof UsageError) fail(err.message);
      throw err;
    }
    if (args!.help) {
      process.stdout.write(HELP_TEXT.replace('%s', progname) + '\n');
      return;
    }
    if (args!.version) {
      process.stdout.write(`${COMPAT_VERSION}\n`);
      return;
    }
    const configFile = resolveConfigFile(args!, progname, fail);
    const load = (): Config => {
      try {
        return loadConfig(configFile, { overrides: args.overrides });
      } catch (err) {
        if (err instanceof ConfigError) return fail(err.message);
        throw err;
      }
    };
    let config = load();

    // before anything is spawned (the background copy too): programs get only fds 0, 1 and 2
    closeInheritedOnExec();
    // Without -n the foreground process only validates; the background copy does the work.
    if (!config.supervisord.nodaemon && !inBackground) await runDetachedCopy();

    // before the first spawn: the reaper must know every pid that Node itself will wait for
    const reaper = await OrphanReaper.start();
    const signals = new SignalQueue();
    signals.install();
    // signal handlers do not keep Node's event loop alive: with no child, socket or timer left the
    // daemon would simply end; one idle timer (no wake-ups worth counting) keeps it serving
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    const bus = new EventBus();
    const serials = new EventSerials();
    const metrics = new DaemonMetrics(bus);
    const poolHandover = new PoolHandover();
    // no next run will take over what the pools held at a reload: said on stderr, beside the error
    const reportLostBacklogs = (why: string): void =>
      poolHandover.discardRest((name, events, lines) =>
        process.stderr.write(`supervisord: pool ${name} discarded ${events} events (${lines} output lines) it held at the reload: ${why}\n`),
      );
    let first = true;
    let exitStatus = 0;
    for (;;) {
      const criticals: string[] = [];
      const infos: string[] = [];
      if (process.pid === 1) {
        if (typeof reaper === 'string') criticals.push(`running as PID 1 but orphaned processes cannot be reaped: ${reaper}; run supervisord under an init (e.g. docker run --init)`);
        else if (first) infos.push('running as PID 1: orphaned processes are reaped');
      }
      const { uid, gid, user } = config.supervisord;
      if (uid === null) {
        if (process.getuid!() === 0) criticals.push(ROOT_WARNING);
      } else {
        const problem = dropPrivileges({ name: user ?? String(uid), uid, gid: gid ?? uid });
        if (problem) fail(problem);
        infos.push(`Set uid to user ${uid} succeeded`);
      }
      if (first) {
        try {
          infos.push(...raiseLimits({ RLIMIT_NOFILE: config.supervisord.minfds, RLIMIT_NPROC: config.supervisord.minprocs }));
        } catch (err) {
          if (err instanceof RlimitError) fail(err.message);
          throw err;
        }
      }
      const outcome = await runOnce({
        config,
        signals,
        criticals,
        infos,
        daemonizing: inBackground && first,
        firstRun: first,
        onReady: inBackground && first ? () => reportToParent({ ok: true }) : undefined,
        rereadConfig: () => loadConfig(configFile, { overrides: args.overrides }),
        bus,
        serials,
        reaper: typeof reaper === 'string' ? null : reaper,
        metrics,
        poolHandover,
      }).catch((err: unknown) => {
        reportLostBacklogs('the new run did not start');
        return err instanceof HttpServerStartError || err instanceof MainLogOpenError || err instanceof PluginConfigError
          ? fail(err.message)
          : Promise.reject(err);
      });
      if (outcome === 'essential-failed') exitStatus = ESSENTIAL_EXIT_STATUS;
      if (outcome !== 'restart') break;
      first = false;
      // 4.2.5 exits 2 when the config became invalid before a reload
      try {
        config = load();
      } catch (err) {
        reportLostBacklogs('the config did not load');
        throw err;
      }
    }
    clearInterval(keepAlive);
    signals.uninstall();
    if (typeof reaper !== 'string') reaper.stop();
    await exitWhenFlushed(exitStatus);
  } catch (err) {
    if (err instanceof Exit) await exitWhenFlushed(err.code);
    throw err;
  }
}

function resolveConfigFile(args: SupervisordArgs, progname: string, fail: (m: string) => never): string {
  // kept as given: 4.2.5's messages name the file as typed ("(file: 'sd.conf')"); the loader
  // checks option values first and then reports a missing file, in 4.2.5's order
  if (args.configFile !== null) return args.configFile;
  // HERE = the parent of the directory holding the executable (/usr for /usr/bin/supervisord)
  const argv0Dir = path.dirname(path.resolve(progname));
  const found = findConfigFile({ argv0Dir, cwd: process.cwd() });
  if (!found) return fail(noConfigFileMessage(argv0Dir));
  if (process.getuid?.() === 0) {
    process.stderr.write(
      'UserWarning: Supervisord is running as root and it is searching for its configuration file in default ' +
        'locations (including its current working directory); you probably want to specify a "-c" argument ' +
        'specifying an absolute path to a configuration file for improved security.\n',
    );
  }
  return found;
}
