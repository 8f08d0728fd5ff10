// The supervision core: the process groups of one run, the operations on them (start, stop, signal,
// by name, by group, all) and the ordered shutdown, as 4.2.5's supervisord and rpcinterface do them.
import { EventEmitter } from 'node:events';
import type { Config, GroupConfig, ProcessConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { clearAutoChildLogDir } from '../output/auto-log-names.js';
import { SyslogWriter } from '../output/syslog.js';
import { AutoLogError, ChildLogPaths } from './child-log-paths.js';
import { CommandError, resolveCommand, searchPath } from './command.js';
import { emitSafely } from './emit-safely.js';
import { FAULT_CODES, SupervisorError, type ProcessResult } from './faults.js';
import { ProcessGroup } from './group.js';
import type { GroupUpdatePlan } from './group-update.js';
import { splitNamespec } from './namespec.js';
import { signalNumber } from './signals.js';
import { ProcessState, processStateName, RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES, SupervisorState } from './states.js';
import { Subprocess, type HealthChange, type MemoryLimitHit, type StateChange } from './subprocess.js';
import { ResourceMonitor } from './resource-monitor.js';
import { StartGate, startOrder } from './dependencies.js';
import { decisionKey, type Decision, type OperatorDecisions } from './operator-decisions.js';

export interface SupervisorOptions {
  config: Config;
  logger: Logger;
  /** the environment children inherit; default process.env */
  env?: NodeJS.ProcessEnv;
  /** [supervisord] statefile: starts and stops asked through the API are kept here; null = off */
  decisions?: OperatorDecisions | null;
}

/** A group changed member by member (granular update): the group object is new, kept members are not. */
export interface GroupUpdate {
  group: ProcessGroup;
  /** members created from the new config; not spawned yet */
  added: readonly Subprocess[];
  /** stopped members that left the group */
  removed: readonly Subprocess[];
}

export interface SupervisorStateChange {
  from: SupervisorState;
  to: SupervisorState;
  /** epoch milliseconds */
  at: number;
}

interface SupervisorEvents {
  'process-state': [StateChange];
  /** a health check's verdict changed (beyond 4.2.5) */
  'process-health': [HealthChange];
  /** a process tree stayed past its memory_limit and is being restarted (beyond 4.2.5) */
  'process-memory-limit': [MemoryLimitHit];
  'supervisor-state': [SupervisorStateChange];
  /** a group exists (at start, or added at run time), before any of its processes is spawned */
  'group-added': [ProcessGroup];
  'group-removed': [string];
  /** a group's members were swapped in place; no group-added/removed for it */
  'group-updated': [GroupUpdate];
  /** start(): every group exists and nothing is spawned yet (4.2.5's SUPERVISOR_STATE_CHANGE_RUNNING moment) */
  'run-started': [];
}

// 4.2.5's throttles for its progress lines
const STOP_REPORT_INTERVAL_MS = 2000;
const SHUTDOWN_REPORT_INTERVAL_MS = 3000;

function byPriorityThenName(a: GroupConfig, b: GroupConfig): number {
  return a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly config: Config;
  readonly logger: Logger;
  /** in (priority, name) order once start() ran */
  readonly groups = new Map<string, ProcessGroup>();
  private readonly env: NodeJS.ProcessEnv;
  // automatic starts held back by depends_on
  private readonly gate: StartGate;
  private currentState = SupervisorState.RUNNING;
  private started = false;
  private shutdownDone: Promise<void> | null = null;
  private syslog: SyslogWriter | null = null;
  private readonly decisions: OperatorDecisions | null;
  /** memory and CPU of the running process trees, sampled only while memory_limit or a page needs it */
  readonly resources: ResourceMonitor;

  constructor(options: SupervisorOptions) {
    super();
    this.config = options.config;
    this.logger = options.logger;
    this.env = options.env ?? process.env;
    this.decisions = options.decisions ?? null;
    this.gate = new StartGate(() => this.processes(), this.logger);
    this.resources = new ResourceMonitor(() => this.processes());
    const refresh = (): void => this.resources.refresh();
    this.on('group-added', refresh);
    this.on('group-removed', refresh);
    this.on('group-updated', refresh);
  }

  get state(): SupervisorState {
    return this.currentState;
  }

  /** Clean old AUTO logs, create the groups in (priority, name) order and spawn autostart processes in one pass. */
  start(): void {
    if (this.started) throw new Error('Supervisor.start() called twice');
    this.started = true;
    const settings = this.config.supervisord;
    if (!settings.nocleanup) clearAutoChildLogDir(settings.childlogdir, settings.identifier, (m) => this.logger.warn(m));
    for (const groupConfig of [...this.config.groups].sort(byPriorityThenName)) {
      const processes = groupConfig.processes.map((pc) => this.createProcess(groupConfig, pc));
      const group = new ProcessGroup(groupConfig, processes);
      this.groups.set(groupConfig.name, group);
      this.emitSafely('group-added', group);
    }
    this.emitSafely('run-started');
    // decisions about programs that left the config are forgotten
    const configured = new Set(this.processes().map(decisionKey));
    this.decisions?.forgetUnless((key) => configured.has(key));
    for (const group of this.groups.values()) {
      for (const proc of group.processes) this.autostart(proc);
    }
  }

  /** Every process, in `status` order: group name, then process name. */
  processes(): Subprocess[] {
    return [...this.groups.values()].sort(byName).flatMap((g) => [...g.processes].sort(byName));
  }

  /**
   * Every process in 4.2.5's process_groups order, which its shutdown report lists: groups as they
   * were added (the config's (priority, name) order at start, later ones after), each group's
   * processes in config order.
   */
  processesInGroupOrder(): Subprocess[] {
    return [...this.groups.values()].flatMap((g) => g.processes);
  }

  /** The group and process a namespec names (process null for "group:*"); throws BAD_NAME. */
  resolve(namespec: string): { group: ProcessGroup; process: Subprocess | null } {
    const spec = splitNamespec(namespec);
    const group = this.groups.get(spec.group);
    if (group === undefined) throw new SupervisorError('BAD_NAME', namespec);
    if (spec.process === null) return { group, process: null };
    const proc = group.process(spec.process);
    if (proc === undefined) throw new SupervisorError('BAD_NAME', namespec);
    return { group, process: proc };
  }

  /**
   * Start one process (true), or a whole group for "group:*" (its results). With wait, resolves once
   * the process is RUNNING; rejects with a SupervisorError carrying 4.2.5's fault. With record (the
   * default), the start is the operator's decision, kept in the statefile before anything is done.
   */
  async startProcess(namespec: string, wait = true, record = true): Promise<true | ProcessResult[]> {
    this.refuseWhenStopping();
    const { group, process: proc } = this.resolve(namespec);
    if (proc === null) return this.startGroup(group.name, wait, record);
    if (record) this.record([proc], 'started');
    try {
      resolveCommand(proc.config.command, searchPath(proc.config.environment, this.env));
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      throw new SupervisorError(err.kind === 'not-found' ? 'NO_FILE' : 'NOT_EXECUTABLE', err.message);
    }
    if (RUNNING_STATES.has(proc.state)) throw new SupervisorError('ALREADY_STARTED', namespec);
    if (proc.state === ProcessState.UNKNOWN) throw new SupervisorError('FAILED', `${namespec} is in an unknown process state`);
    proc.spawn();
    if (proc.spawnerr) throw new SupervisorError('SPAWN_ERROR', namespec);
    if (!wait || proc.state === ProcessState.RUNNING) return true;
    await this.waitForProcess(proc, () => {
      if (proc.spawnerr) throw new SupervisorError('SPAWN_ERROR', namespec);
      if (proc.state !== ProcessState.STARTING && proc.state !== ProcessState.RUNNING) {
        throw new SupervisorError('ABNORMAL_TERMINATION', namespec);
      }
      return proc.state === ProcessState.RUNNING;
    });
    return true;
  }

  /**
   * Stop one process (true), or a whole group for "group:*". With wait, resolves once it is in a
   * stopped state. With record (the default), the stop is kept in the statefile first.
   */
  async stopProcess(namespec: string, wait = true, record = true): Promise<true | ProcessResult[]> {
    const { group, process: proc } = this.resolve(namespec);
    if (proc === null) return this.stopGroup(group.name, wait, record);
    if (record) this.record([proc], 'stopped');
    if (!RUNNING_STATES.has(proc.state)) throw new SupervisorError('NOT_RUNNING', namespec);
    const failure = proc.stop();
    if (failure !== null) throw new SupervisorError('FAILED', failure);
    if (!wait || STOPPED_STATES.has(proc.state)) return true;
    const report = (): void => {
      if (proc.state === ProcessState.STOPPING) this.logger.info(`waiting for ${proc.name} to stop`);
    };
    report();
    const reporter = setInterval(report, STOP_REPORT_INTERVAL_MS);
    try {
      await this.waitForProcess(proc, () => STOPPED_STATES.has(proc.state));
    } finally {
      clearInterval(reporter);
    }
    return true;
  }

  /** Send a signal (name or number) to one process's pid, or to each signallable process of a group. */
  signalProcess(namespec: string, signal: string | number): true | ProcessResult[] {
    this.refuseWhenStopping();
    const { group, process: proc } = this.resolve(namespec);
    if (proc === null) return this.signalGroup(group.name, signal);
    const number = signalNumber(signal);
    if (number === null) throw new SupervisorError('BAD_SIGNAL', String(signal));
    if (!SIGNALLABLE_STATES.has(proc.state)) throw new SupervisorError('NOT_RUNNING', namespec);
    const failure = proc.signal(number);
    if (failure !== null) throw new SupervisorError('FAILED', failure);
    return true;
  }

  /** Start every non-running process of a group, in ascending process priority; with record, every member counts as started. */
  startGroup(name: string, wait = true, record = true): Promise<ProcessResult[]> {
    this.refuseWhenStopping();
    const group = this.requireGroup(name);
    if (record) this.record(group.processes, 'started');
    const targets = group.byPriority().filter((p) => !RUNNING_STATES.has(p.state));
    return this.forEach(targets, (ns) => this.startProcess(ns, wait, false));
  }

  /** Stop every running process of a group, in ascending process priority; with record, every member counts as stopped. */
  stopGroup(name: string, wait = true, record = true): Promise<ProcessResult[]> {
    const group = this.requireGroup(name);
    if (record) this.record(group.processes, 'stopped');
    const targets = group.byPriority().filter((p) => RUNNING_STATES.has(p.state));
    return this.forEach(targets, (ns) => this.stopProcess(ns, wait, false));
  }

  signalGroup(name: string, signal: string | number): ProcessResult[] {
    this.refuseWhenStopping();
    const group = this.requireGroup(name);
    const results: ProcessResult[] = [];
    for (const proc of group.byPriority().filter((p) => SIGNALLABLE_STATES.has(p.state))) {
      try {
        this.signalProcess(`${group.name}:${proc.name}`, signal);
        results.push(success(proc));
      } catch (err) {
        results.push(failureResult(proc, err));
      }
    }
    return results;
  }

  /** startAllProcesses: groups in ascending priority, processes in ascending priority. */
  startAll(wait = true): Promise<ProcessResult[]> {
    this.refuseWhenStopping();
    const all = this.processesByPriority();
    this.record(all, 'started');
    return this.forEach(
      all.filter((p) => !RUNNING_STATES.has(p.state)),
      (ns) => this.startProcess(ns, wait, false),
    );
  }

  /** stopAllProcesses: the same ascending order as startAll, all signalled at once (only shutdown reverses). */
  stopAll(wait = true): Promise<ProcessResult[]> {
    const all = this.processesByPriority();
    this.record(all, 'stopped');
    return this.forEach(
      all.filter((p) => RUNNING_STATES.has(p.state)),
      (ns) => this.stopProcess(ns, wait, false),
    );
  }

  /**
   * Stop everything for exit (or, with restart, for a reload): groups one at a time in descending
   * (priority, name), each group's processes together; BACKOFF becomes FATAL; no automatic starts
   * from now on. Resolves when every process is in a stopped state. Calling it again returns the
   * same promise (a shutdown request during a restart turns the state into SHUTDOWN).
   */
  shutdown(options: { restart?: boolean } = {}): Promise<void> {
    if (this.currentState === SupervisorState.RUNNING) {
      this.setState(options.restart ? SupervisorState.RESTARTING : SupervisorState.SHUTDOWN);
    } else if (!options.restart && this.currentState === SupervisorState.RESTARTING) {
      this.setState(SupervisorState.SHUTDOWN);
    }
    // once everything is stopped there is nothing to sample: a reload's next run has its own sampler
    this.shutdownDone ??= this.stopGroupsInReverse().finally(() => this.resources.stop());
    return this.shutdownDone;
  }

  /** 4.2.5's add_process_group: false when a group of that name is active; its autostart processes start on the next tick. */
  addGroup(groupConfig: GroupConfig): boolean {
    if (this.groups.has(groupConfig.name)) return false;
    const group = new ProcessGroup(groupConfig, groupConfig.processes.map((pc) => this.createProcess(groupConfig, pc)));
    this.groups.set(groupConfig.name, group);
    this.emitSafely('group-added', group);
    setImmediate(() => {
      if (this.groups.get(groupConfig.name) !== group) return;
      for (const proc of group.processes) this.autostart(proc);
    });
    return true;
  }

  /**
   * 4.2.5's remove_process_group: false while a process of the group is not stopped; closes its logs.
   * `next` is the group in the config as last read, if it is still there (update replaces it): the
   * decisions about processes it no longer has are forgotten.
   */
  removeGroup(name: string, next: GroupConfig | null = null): boolean {
    const group = this.requireGroup(name);
    if (group.unstopped().length > 0) return false;
    const staying = new Set(next?.processes.map((pc) => decisionKey({ group: name, name: pc.name })) ?? []);
    const leaving = new Set(group.processes.map(decisionKey).filter((key) => !staying.has(key)));
    this.decisions?.forgetUnless((key) => !leaving.has(key));
    this.groups.delete(name);
    for (const proc of group.processes) void proc.closeLogs();
    this.emitSafely('group-removed', name);
    return true;
  }

  /** Whether `plan` was made against the group active under its name now. */
  isCurrent(plan: GroupUpdatePlan): boolean {
    return this.groups.get(plan.group.name) === plan.group;
  }

  /** Granular update, first step: stop only the members the plan replaces or removes, in stopGroup's order. */
  stopOutgoing(plan: GroupUpdatePlan, wait = true): Promise<ProcessResult[]> {
    const outgoing = new Set(plan.outgoing);
    const targets = plan.group.byPriority().filter((p) => outgoing.has(p) && RUNNING_STATES.has(p.state));
    // update's own stops, not the operator's decisions
    return this.forEach(targets, (ns) => this.stopProcess(ns, wait, false));
  }

  /** The members of the plan that still have to stop before it can be applied. */
  outgoingUnstopped(plan: GroupUpdatePlan): Subprocess[] {
    return plan.outgoing.filter((p) => !STOPPED_STATES.has(p.state));
  }

  /**
   * Granular update, last step: the group gets the new config, with its kept members as they are
   * and new processes for the incoming ones (autostarted on the next tick, as addGroup does).
   */
  applyGroupUpdate(plan: GroupUpdatePlan): 'applied' | 'stale' | 'still-running' {
    if (!this.isCurrent(plan)) return 'stale';
    if (this.outgoingUnstopped(plan).length > 0) return 'still-running';
    const name = plan.next.name;
    const kept = new Map(plan.kept.map((p) => [p.name, p]));
    const added = plan.incoming.map((pc) => this.createProcess(plan.next, pc));
    const created = new Map(added.map((p) => [p.name, p]));
    const group = new ProcessGroup(plan.next, plan.next.processes.map((pc) => kept.get(pc.name) ?? created.get(pc.name)!));
    // last in the map, where 4.2.5's remove and add of a changed group puts it (processesInGroupOrder)
    this.groups.delete(name);
    this.groups.set(name, group);
    for (const proc of plan.outgoing) void proc.closeLogs();
    const staying = new Set(plan.next.processes.map((pc) => decisionKey({ group: name, name: pc.name })));
    const leaving = new Set(plan.outgoing.map(decisionKey).filter((key) => !staying.has(key)));
    this.decisions?.forgetUnless((key) => !leaving.has(key));
    const names = (procs: readonly Subprocess[]) => (procs.length === 0 ? '-' : procs.map((p) => p.name).join(','));
    this.logger.info(`updated process group ${name} in place: kept ${names(plan.kept)}; dropped ${names(plan.outgoing)}; new ${names(added)}`);
    this.emitSafely('group-updated', { group, added, removed: plan.outgoing });
    setImmediate(() => {
      if (this.groups.get(name) !== group) return;
      for (const proc of added) this.autostart(proc);
    });
    return 'applied';
  }

  /** Reopen every child log file (SIGUSR2). */
  async reopenLogs(): Promise<void> {
    await Promise.all(this.processes().map((p) => p.reopenLogs()));
  }

  /** Close every child log file after its queued bytes are written; for after shutdown(). */
  async closeLogs(): Promise<void> {
    await Promise.all(this.processes().map((p) => p.closeLogs()));
    await this.syslog?.close();
  }

  /** An automatic start with the run (or its group's addition), as the operator's last decision has it. */
  private autostart(proc: Subprocess): void {
    const decision = this.decisions?.get(proc);
    if (decision === 'stopped' && proc.config.autostart) {
      this.logger.info(`${proc.name} stays stopped: it was stopped by hand (statefile ${this.decisions!.file})`);
    } else if (decision === 'started' && !proc.config.autostart) {
      this.logger.info(`${proc.name} is started: it was started by hand (statefile ${this.decisions!.file})`);
    }
    this.gate.autostart(proc);
  }

  private record(processes: readonly Subprocess[], decision: Decision): void {
    this.decisions?.record(processes, decision);
  }

  /** One `logger` child serves every program with *_syslog=true. */
  private childSyslog(): SyslogWriter {
    this.syslog ??= new SyslogWriter((message) => this.logger.error(message));
    return this.syslog;
  }

  private async stopGroupsInReverse(): Promise<void> {
    this.gate.clear();
    // reverse priority, with dependents before what they depend on
    const queue = startOrder([...this.groups.values()]);
    let lastReport = 0;
    const report = (): void => {
      // the clock first: listing every process per group made a 1000-group shutdown quadratic
      if (Date.now() - lastReport < SHUTDOWN_REPORT_INTERVAL_MS) return;
      // set before the listing's outcome: with nothing left to wait for, a listing per group was quadratic too
      lastReport = Date.now();
      const unstopped = this.processesInGroupOrder().filter((p) => !STOPPED_STATES.has(p.state));
      if (unstopped.length === 0) return;
      this.logger.info(`waiting for ${unstopped.map((p) => p.name).join(', ')} to die`);
      for (const p of unstopped) this.logger.blather(`${p.name} state: ${processStateName(p.state)}`);
    };
    const reporter = setInterval(report, SHUTDOWN_REPORT_INTERVAL_MS);
    try {
      for (let group = queue.pop(); group !== undefined; group = queue.pop()) {
        group.stopAll();
        report();
        await this.waitForGroupStopped(group);
      }
    } finally {
      clearInterval(reporter);
    }
  }

  // 4.2.5 repeats stop_all on the current group every loop iteration until all of it is stopped
  private waitForGroupStopped(group: ProcessGroup): Promise<void> {
    return new Promise((resolve) => {
      const check = (change?: StateChange): void => {
        if (change !== undefined && change.group !== group.name) return;
        group.stopAll();
        if (group.unstopped().length > 0) return;
        this.off('process-state', check);
        resolve();
      };
      this.on('process-state', check);
      check();
    });
  }

  private createProcess(group: GroupConfig, config: ProcessConfig): Subprocess {
    const proc = new Subprocess({
      config,
      group: group.name,
      logger: this.logger,
      daemonEnv: this.env,
      serverUrl: this.config.server.serverurl,
      logPaths: this.logPaths(config),
      mayStartAutomatically: () => this.currentState === SupervisorState.RUNNING,
      startsWithRun: () => {
        const decision = this.decisions?.get({ group: group.name, name: config.name });
        return decision === undefined ? config.autostart : decision === 'started';
      },
      stripAnsi: this.config.supervisord.strip_ansi,
      syslog: config.stdout_syslog || config.stderr_syslog ? this.childSyslog() : null,
    });
    proc.on('state', (change) => {
      emitSafely(this, 'process-state', change, (err) =>
        this.logger.error(`a process-state listener failed: ${(err as Error).stack ?? String(err)}`),
      );
      this.gate.recheck();
    });
    proc.on('health', (change) => {
      emitSafely(this, 'process-health', change, (err) =>
        this.logger.error(`a process-health listener failed: ${(err as Error).stack ?? String(err)}`),
      );
      this.gate.recheck();
    });
    proc.on('memory-limit', (hit) => {
      emitSafely(this, 'process-memory-limit', hit, (err) =>
        this.logger.error(`a process-memory-limit listener failed: ${(err as Error).stack ?? String(err)}`),
      );
    });
    return proc;
  }

  /** AUTO logs are made now, as in 4.2.5; one that cannot be is said here and tried again at each start of the program. */
  private logPaths(config: ProcessConfig): ChildLogPaths {
    const paths = new ChildLogPaths(config.name, { stdout: config.stdout_logfile, stderr: config.stderr_logfile }, this.config.supervisord);
    try {
      paths.create();
    } catch (err) {
      if (!(err instanceof AutoLogError)) throw err;
      this.logger.error(`${err.message}; ${config.name} cannot start until it can be made`);
    }
    return paths;
  }

  private processesByPriority(): Subprocess[] {
    return [...this.groups.values()]
      .sort((a, b) => a.priority - b.priority)
      .flatMap((g) => g.byPriority());
  }

  private requireGroup(name: string): ProcessGroup {
    const group = this.groups.get(name);
    if (group === undefined) throw new SupervisorError('BAD_NAME', name);
    return group;
  }

  private refuseWhenStopping(): void {
    if (this.currentState !== SupervisorState.RUNNING) throw new SupervisorError('SHUTDOWN_STATE', 'supervisord is shutting down');
  }

  /** Run one operation per process concurrently; results in the order they complete, as 4.2.5 reports them. */
  private async forEach(targets: Subprocess[], operation: (namespec: string) => Promise<unknown>): Promise<ProcessResult[]> {
    const results: ProcessResult[] = [];
    await Promise.all(
      targets.map((proc) =>
        operation(`${proc.group}:${proc.name}`).then(
          () => results.push(success(proc)),
          (err: unknown) => results.push(failureResult(proc, err)),
        ),
      ),
    );
    return results;
  }

  /** Resolves when `done` returns true after a state change of proc (or now); rejects when it throws. */
  private waitForProcess(proc: Subprocess, done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let finished: boolean;
        try {
          finished = done();
        } catch (err) {
          proc.off('state', check);
          reject(err);
          return;
        }
        if (!finished) return;
        proc.off('state', check);
        resolve();
      };
      proc.on('state', check);
      check();
    });
  }

  /** Each listener runs isolated: one that throws is logged and cannot stop the others or the core. */
  private emitSafely<K extends 'group-added' | 'group-removed' | 'group-updated' | 'run-started'>(event: K, ...args: SupervisorEvents[K]): void {
    emitSafely(this, event, args[0], (err) => this.logger.error(`a ${event} listener failed: ${(err as Error).stack ?? String(err)}`));
  }

  private setState(to: SupervisorState): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    emitSafely(this, 'supervisor-state', { from, to, at: Date.now() }, (err) =>
      this.logger.error(`a supervisor-state listener failed: ${(err as Error).stack ?? String(err)}`),
    );
  }
}

function success(proc: Subprocess): ProcessResult {
  return { name: proc.name, group: proc.group, status: FAULT_CODES.SUCCESS, description: 'OK' };
}

function failureResult(proc: Subprocess, err: unknown): ProcessResult {
  if (err instanceof SupervisorError) return { name: proc.name, group: proc.group, status: err.faultCode, description: err.message };
  return { name: proc.name, group: proc.group, status: FAULT_CODES.FAILED, description: `FAILED: ${(err as Error).message}` };
}
