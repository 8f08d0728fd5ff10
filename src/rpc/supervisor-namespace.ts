// The supervisor.* methods (rpc.md 7) mapped onto the process core. Waiting methods return the
// core's promise, which settles on the state change itself: no polling.
import fs from 'node:fs';
import { ConfigError } from '../config/errors.js';
import type { Config, GroupConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { LogReadError, LogReadTooLargeError, readLogSlice, tailLog } from '../output/tail.js';
import { exitWasExpected, type ExitRecord } from '../process/exit-record.js';
import type { ProcessResult } from '../process/faults.js';
import { SupervisorState, supervisorStateName, SIGNALLABLE_STATES } from '../process/states.js';
import type { Subprocess } from '../process/subprocess.js';
import type { Supervisor } from '../process/supervisor.js';
import { COMPAT_VERSION } from '../version.js';
import { MAXINT, type XmlRpcStruct, type XmlRpcValue } from '../xmlrpc/values.js';
import { diffGroups } from './config-diff.js';
import { configInfo } from './config-info.js';
import type { Dispatcher, RpcMethod } from './dispatcher.js';
import { asRpcFault, RpcFault } from './faults.js';
import { GranularUpdates } from './granular-update.js';
import { METHOD_DOCS } from './method-docs.js';
import { intParam, signalParam, stringParam, truthyParam } from './params.js';

export const API_VERSION = '3.0';

/** Unread stdin bytes a child may have queued before sendProcessStdin refuses more. */
export const MAX_QUEUED_STDIN_BYTES = 16 * 1024 * 1024;

/** What the supervisor namespace needs from the daemon around it. */
export interface RpcHost {
  supervisor: Supervisor;
  logger: Logger;
  /** [supervisord] logfile: a path, or "syslog" */
  mainLogfile: string;
  identifier: string;
  /** read the config file again (reloadConfig); throws ConfigError */
  rereadConfig: () => Config;
  requestShutdown: () => void;
  requestRestart: () => void;
  /** sendRemoteCommEvent: publish REMOTE_COMMUNICATION; absent = no event bus */
  onRemoteCommunication?: (type: string, data: string) => void;
}

function resultStruct(result: ProcessResult): XmlRpcStruct {
  return { name: result.name, group: result.group, status: result.status, description: result.description };
}

function capped(n: number): number {
  return Math.min(n, MAXINT);
}

/**
 * 4.2.5's struct, byte for byte, with members beyond it only where 4.2.5 has nothing to say (4.2.5's
 * clients ignore members they do not read): `exit` after an exit, `health` with a health check, and
 * for a program with memory_limit, memory_limit_kb and rss_kb (the resident KiB of the process and
 * its descendants) while it runs. KiB because an XML-RPC int stops at 2 GiB.
 */
function processInfoStruct(proc: Subprocess): XmlRpcStruct {
  const info = proc.getInfo();
  const struct: XmlRpcStruct = { ...info, start: capped(info.start), stop: capped(info.stop), now: capped(info.now), state: info.state };
  const exit = exitStruct(proc.lastExit);
  // beyond 4.2.5, and only after an exit, so a never-exited process's struct stays 4.2.5's bytes;
  // 4.2.5's clients ignore a member they do not read (status --json reads it)
  if (exit !== null) struct.exit = exit;
  // beyond 4.2.5 too, and only for a process with a health check: status --probe applies it as /readyz does
  if (proc.health !== 'none') struct.health = proc.health;
  // and only for a program with a memory_limit: the limit and the last sampled RSS of its tree
  const limit = proc.config.extensions.memoryLimit;
  if (limit === null) return struct;
  struct.memory_limit_kb = capped(Math.round(limit.bytes / 1024));
  const usage = proc.resourceUsage;
  if (usage !== null) struct.rss_kb = capped(Math.round(usage.rss / 1024));
  return struct;
}

/**
 * How the process last ended, as getProcessInfo's `exit` member: the facts 4.2.5's struct loses
 * (its exitstatus is 0 for an exit during startsecs and -1 for any signal). `signal` is present only
 * when a signal ended the process (XML-RPC has no null).
 */
function exitStruct(exit: ExitRecord | null): XmlRpcStruct | null {
  if (exit === null) return null;
  const struct: XmlRpcStruct = {
    at: capped(Math.floor(exit.at / 1000)),
    exitstatus: exit.exitstatus,
    expected: exitWasExpected(exit),
    uptime: capped(Math.floor(exit.uptimeMs / 1000)),
  };
  if (exit.signal !== null) struct.signal = exit.signal;
  return struct;
}

/** Turn core errors into faults, keep everything else as a server error. */
async function faulting<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asRpcFault(err) ?? err;
  }
}

function logFault(err: unknown): never {
  // a read past the cap says why (4.2.5 has no cap: its answer would fail as a whole)
  if (err instanceof LogReadTooLargeError) throw new RpcFault(err.fault, err.detail);
  // 4.2.5 raises the bare fault name from readFile's ValueError
  if (err instanceof LogReadError) throw new RpcFault(err.fault);
  throw err;
}

export class SupervisorNamespace {
  /** the groups of the config as last read: the source for getAllConfigInfo and addProcessGroup */
  private lastRead: readonly GroupConfig[];
  /** update's steps applied member by member (beyond 4.2.5, docs/operations.md) */
  private readonly granular: GranularUpdates;

  constructor(private readonly host: RpcHost) {
    this.lastRead = host.supervisor.config.groups;
    this.granular = new GranularUpdates(host.supervisor);
  }

  /** Register the methods as `<namespace>.<method>` (the [rpcinterface:x] section name, normally 'supervisor'). */
  register(dispatcher: Dispatcher, namespace: string): void {
    const methods: Record<string, RpcMethod> = {
      getAPIVersion: () => this.guarded(() => API_VERSION),
      getVersion: () => this.guarded(() => API_VERSION),
      getSupervisorVersion: () => this.guarded(() => COMPAT_VERSION),
      getIdentification: () => this.guarded(() => this.host.identifier),
      getState: () => this.guarded(() => ({ statecode: this.sv.state, statename: supervisorStateName(this.sv.state) })),
      getPID: () => this.guarded(() => process.pid),
      readLog: (offset, length) => this.guarded(() => this.readMainLog(offset!, length!)),
      readMainLog: (offset, length) => this.guarded(() => this.readMainLog(offset!, length!)),
      clearLog: () => this.guarded(() => this.clearMainLog()),
      shutdown: () => this.guarded(() => (this.host.requestShutdown(), true)),
      restart: () => this.guarded(() => (this.host.requestRestart(), true)),
      reloadConfig: () => this.guarded(() => this.reloadConfig()),
      addProcessGroup: (name) => this.guarded(() => this.addProcessGroup(stringParam(name!, 'name'))),
      removeProcessGroup: (name) => this.guarded(() => this.removeProcessGroup(stringParam(name!, 'name'))),
      getProcessInfo: (name) => this.guarded(() => processInfoStruct(this.process(name!))),
      getAllProcessInfo: () => this.guarded(() => this.sv.processes().map(processInfoStruct)),
      getAllConfigInfo: () => this.guarded(() => this.allConfigInfo()),
      startProcess: (name, wait = true) => this.guarded(() => this.sv.startProcess(stringParam(name!, 'name'), truthyParam(wait)).then(results)),
      startProcessGroup: (name, wait = true) => this.guarded(() => this.sv.startGroup(stringParam(name!, 'name'), truthyParam(wait)).then(results)),
      startAllProcesses: (wait = true) => this.guarded(() => this.sv.startAll(truthyParam(wait)).then(results)),
      stopProcess: (name, wait = true) => this.guarded(() => this.sv.stopProcess(stringParam(name!, 'name'), truthyParam(wait)).then(results)),
      stopProcessGroup: (name, wait = true) => this.guarded(() => this.stopGroup(stringParam(name!, 'name'), truthyParam(wait)).then(results)),
      stopAllProcesses: (wait = true) => this.guarded(() => this.sv.stopAll(truthyParam(wait)).then(results)),
      signalProcess: (name, signal) => this.guarded(() => results(this.sv.signalProcess(stringParam(name!, 'name'), signalParam(signal!)))),
      signalProcessGroup: (name, signal) => this.guarded(() => results(this.sv.signalGroup(stringParam(name!, 'name'), signalParam(signal!)))),
      signalAllProcesses: (signal) => this.guarded(() => this.signalAll(signalParam(signal!))),
      readProcessStdoutLog: (name, offset, length) => this.guarded(() => this.readProcessLog(name!, offset!, length!, 'stdout')),
      readProcessLog: (name, offset, length) => this.guarded(() => this.readProcessLog(name!, offset!, length!, 'stdout')),
      readProcessStderrLog: (name, offset, length) => this.guarded(() => this.readProcessLog(name!, offset!, length!, 'stderr')),
      tailProcessStdoutLog: (name, offset, length) => this.guarded(() => this.tailProcessLog(name!, offset!, length!, 'stdout')),
      tailProcessLog: (name, offset, length) => this.guarded(() => this.tailProcessLog(name!, offset!, length!, 'stdout')),
      tailProcessStderrLog: (name, offset, length) => this.guarded(() => this.tailProcessLog(name!, offset!, length!, 'stderr')),
      clearProcessLogs: (name) => this.guarded(() => this.clearProcessLogs(name!)),
      clearProcessLog: (name) => this.guarded(() => this.clearProcessLogs(name!)),
      clearAllProcessLogs: () => this.guarded(() => this.clearAllProcessLogs()),
      sendProcessStdin: (name, chars) => this.guarded(() => this.sendProcessStdin(name!, chars!)),
      sendRemoteCommEvent: (type, data) => faulting(() => this.sendRemoteCommEvent(type!, data!)),
    };
    for (const [name, method] of Object.entries(methods)) {
      const doc = METHOD_DOCS[`supervisor.${name}`]!;
      dispatcher.register(`${namespace}.${name}`, { ...doc, method });
    }
  }

  private get sv(): Supervisor {
    return this.host.supervisor;
  }

  // 4.2.5's _update: every supervisor.* method but sendRemoteCommEvent refuses while stopping
  private guarded(work: () => XmlRpcValue | Promise<XmlRpcValue>): Promise<XmlRpcValue> {
    return faulting(() => {
      if (this.sv.state !== SupervisorState.RUNNING) throw new RpcFault('SHUTDOWN_STATE');
      return work();
    });
  }

  private process(name: XmlRpcValue): Subprocess {
    const namespec = stringParam(name, 'name');
    const { process: proc } = this.sv.resolve(namespec);
    if (proc === null) throw new RpcFault('BAD_NAME', namespec);
    return proc;
  }

  private readMainLog(offset: XmlRpcValue, length: XmlRpcValue): string {
    const logfile = this.host.mainLogfile;
    if (!fs.existsSync(logfile)) throw new RpcFault('NO_FILE', logfile);
    try {
      return readLogSlice(logfile, intParam(offset, 'offset'), intParam(length, 'length'));
    } catch (err) {
      return logFault(err);
    }
  }

  private clearMainLog(): boolean {
    const logfile = this.host.mainLogfile;
    if (!fs.existsSync(logfile)) throw new RpcFault('NO_FILE');
    try {
      fs.unlinkSync(logfile);
    } catch {
      throw new RpcFault('FAILED');
    }
    this.host.logger.info('reopening log file');
    this.host.logger.reopen();
    return true;
  }

  private reloadConfig(): XmlRpcValue {
    let config: Config;
    try {
      config = this.host.rereadConfig();
    } catch (err) {
      if (err instanceof ConfigError) throw new RpcFault('CANT_REREAD', err.message);
      throw err;
    }
    this.lastRead = config.groups;
    const active = [...this.sv.groups.values()].map((g) => g.config);
    const diff = diffGroups(active, config.groups);
    this.granular.plan(diff.changed, diff.removed);
    return [[diff.added.map((g) => g.name), diff.changed.map((g) => g.name), diff.removed]];
  }

  private stopGroup(name: string, wait: boolean): Promise<ProcessResult[]> {
    return this.granular.stop(name, wait) ?? this.sv.stopGroup(name, wait, !this.granular.partOfUpdate(name));
  }

  private addProcessGroup(name: string): boolean {
    const granular = this.granular.add(name);
    if (granular === 'applied') return true;
    if (granular === 'still-running') throw new RpcFault('STILL_RUNNING', name);
    const config = this.lastRead.find((g) => g.name === name);
    if (config === undefined) throw new RpcFault('BAD_NAME', name);
    if (!this.sv.addGroup(config)) throw new RpcFault('ALREADY_ADDED', name);
    return true;
  }

  private removeProcessGroup(name: string): boolean {
    if (!this.sv.groups.has(name)) throw new RpcFault('BAD_NAME', name);
    const granular = this.granular.remove(name);
    if (granular === 'kept') return true;
    if (granular === 'still-running') throw new RpcFault('STILL_RUNNING', name);
    if (!this.sv.removeGroup(name, this.lastRead.find((g) => g.name === name) ?? null)) throw new RpcFault('STILL_RUNNING', name);
    return true;
  }

  private allConfigInfo(): XmlRpcStruct[] {
    return configInfo(this.lastRead, new Set(this.sv.groups.keys()));
  }

  // 4.2.5 signals every signallable process (ascending priority) and reports each outcome
  private signalAll(signal: string | number): XmlRpcStruct[] {
    const byPriority = [...this.sv.groups.values()].sort((a, b) => a.priority - b.priority).flatMap((g) => g.byPriority());
    return byPriority
      .filter((p) => SIGNALLABLE_STATES.has(p.state))
      .map((p) => {
        try {
          this.sv.signalProcess(`${p.group}:${p.name}`, signal);
          return resultStruct({ name: p.name, group: p.group, status: 80, description: 'OK' });
        } catch (err) {
          const fault = asRpcFault(err);
          if (fault === null) throw err;
          return resultStruct({ name: p.name, group: p.group, status: fault.code, description: fault.text });
        }
      });
  }

  private logPath(proc: Subprocess, channel: 'stdout' | 'stderr'): string {
    const info = proc.getInfo();
    return channel === 'stdout' ? info.stdout_logfile : info.stderr_logfile;
  }

  private readProcessLog(name: XmlRpcValue, offset: XmlRpcValue, length: XmlRpcValue, channel: 'stdout' | 'stderr'): string {
    const path = this.logPath(this.process(name), channel);
    if (path === '' || !fs.existsSync(path)) throw new RpcFault('NO_FILE', path === '' ? 'None' : path);
    try {
      return readLogSlice(path, intParam(offset, 'offset'), intParam(length, 'length'));
    } catch (err) {
      return logFault(err);
    }
  }

  private tailProcessLog(name: XmlRpcValue, offset: XmlRpcValue, length: XmlRpcValue, channel: 'stdout' | 'stderr'): XmlRpcValue {
    const path = this.logPath(this.process(name), channel);
    if (path === '' || !fs.existsSync(path)) return ['', 0, false];
    try {
      return tailLog(path, intParam(offset, 'offset'), intParam(length, 'length'));
    } catch (err) {
      return logFault(err);
    }
  }

  private async clearProcessLogs(name: XmlRpcValue): Promise<boolean> {
    const proc = this.process(name);
    try {
      await proc.clearLogs();
    } catch {
      throw new RpcFault('FAILED', stringParam(name, 'name'));
    }
    return true;
  }

  private async clearAllProcessLogs(): Promise<XmlRpcStruct[]> {
    const byPriority = [...this.sv.groups.values()].sort((a, b) => a.priority - b.priority).flatMap((g) => g.byPriority());
    const out: XmlRpcStruct[] = [];
    for (const proc of byPriority) {
      try {
        await proc.clearLogs();
        out.push(resultStruct({ name: proc.name, group: proc.group, status: 80, description: 'OK' }));
      } catch {
        const fault = new RpcFault('FAILED', `${proc.group}:${proc.name}`);
        out.push(resultStruct({ name: proc.name, group: proc.group, status: fault.code, description: fault.text }));
      }
    }
    return out;
  }

  private sendProcessStdin(name: XmlRpcValue, chars: XmlRpcValue): boolean {
    if (typeof chars !== 'string' && !Buffer.isBuffer(chars)) throw new RpcFault('INCORRECT_PARAMETERS', pythonStr(chars));
    const proc = this.process(name);
    const namespec = name as string;
    switch (proc.writeStdin(Buffer.from(chars), MAX_QUEUED_STDIN_BYTES)) {
      case 'ok':
        return true;
      case 'not-running':
        throw new RpcFault('NOT_RUNNING', namespec);
      case 'closed':
        throw new RpcFault('NO_FILE', namespec);
      case 'full':
        throw new RpcFault('FAILED', `${namespec} has ${MAX_QUEUED_STDIN_BYTES} bytes of unread stdin queued`);
    }
  }

  private sendRemoteCommEvent(type: XmlRpcValue, data: XmlRpcValue): boolean {
    this.host.onRemoteCommunication?.(pythonStr(type), pythonStr(data));
    return true;
  }
}

function results(value: true | ProcessResult[]): XmlRpcValue {
  return value === true ? true : value.map(resultStruct);
}

// str() of a decoded argument, for fault texts that quote it as 4.2.5 does
function pythonStr(value: XmlRpcValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}
