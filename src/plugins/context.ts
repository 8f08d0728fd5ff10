// The context a plugin gets: its options, a logger, and a narrow view of the supervisor
// (snapshots and the four control calls), so plugins never hold the core's objects.
import { describeExit } from '../process/exit-record.js';
import { ProcessState } from '../process/states.js';
import type { Subprocess } from '../process/subprocess.js';
import type { Supervisor } from '../process/supervisor.js';
import tty from 'node:tty';
import { daemonOutput } from '../output/daemon-stdio.js';
import type { DaemonOutput, PluginContext, PluginLogger, PluginMetrics, ProcessSnapshot } from './api.js';
import { claimStateDir, pluginStateDir } from './state-dir.js';

const RUNNING_STATES = new Set([ProcessState.STARTING, ProcessState.RUNNING, ProcessState.BACKOFF]);

export function makeContext<O>(name: string, options: O, log: PluginLogger, supervisor: Supervisor, metrics: PluginMetrics): PluginContext<O> {
  const find = (namespec: string): Subprocess | null => supervisor.resolve(namespec).process;
  const { childlogdir, identifier } = supervisor.config.supervisord;
  let stateDir: string | null = null;
  return {
    name,
    transport: 'in-process',
    options,
    log,
    output: inProcessOutput,
    metrics,
    // created on first use: plugins that keep nothing leave nothing behind in childlogdir
    get stateDir() {
      return (stateDir ??= claimStateDir(pluginStateDir(childlogdir, identifier, name)));
    },
    processes: {
      list: async () => supervisor.processes().map(snapshot),
      get: async (namespec) => {
        try {
          const proc = find(namespec);
          return proc ? snapshot(proc) : undefined;
        } catch {
          return undefined;
        }
      },
    },
    control: {
      start: async (namespec) => void (await supervisor.startProcess(namespec)),
      stop: async (namespec) => void (await supervisor.stopProcess(namespec)),
      restart: async (namespec) => {
        const proc = find(namespec);
        if (proc && RUNNING_STATES.has(proc.state)) await supervisor.stopProcess(namespec);
        await supervisor.startProcess(namespec);
      },
      signal: async (namespec, signal) => void supervisor.signalProcess(namespec, signal),
    },
  };
}

const fdOf = (stream: 'stdout' | 'stderr'): 1 | 2 => (stream === 'stdout' ? 1 : 2);

/** Through the daemon's own writers, with its main log and the child logs written there. */
const inProcessOutput: DaemonOutput = {
  write: (stream, text) => void daemonOutput(fdOf(stream)).write(text),
  isTerminal: (stream) => tty.isatty(fdOf(stream)),
};

function snapshot(proc: Subprocess): ProcessSnapshot {
  const info = proc.getInfo();
  const exit = proc.lastExit;
  return {
    name: info.name,
    group: info.group,
    state: info.statename,
    pid: info.pid,
    description: info.description,
    exitstatus: info.exitstatus,
    spawnerr: info.spawnerr,
    start: info.start,
    stop: info.stop,
    lastExit: exit && {
      pid: exit.pid,
      exitstatus: exit.exitstatus,
      signal: exit.signal,
      description: describeExit(exit),
      expected: exit.expected,
      tooQuickly: exit.tooQuickly,
      at: exit.at,
      uptimeMs: exit.uptimeMs,
    },
  };
}
