// One run of supervisord over one loaded config: boot, serve signals, stop. A SIGHUP ends the
// run with 'restart' and the caller loads the config again and starts a new run in the same pid.
import process from 'node:process';
import type { Config } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { OperatorDecisions } from '../process/operator-decisions.js';
import { Supervisor } from '../process/supervisor.js';
import { openRpcServers, type RpcServers } from '../rpc/servers.js';
import { WebFrontend } from '../web/frontend.js';
import type { EventBus, EventSerials } from '../events/bus.js';
import { attachEventSources } from './event-sources.js';
import { attachListenerPools } from './listener-pools.js';
import { startPluginHost } from '../plugins/host.js';
import { makeMainLogger } from './main-log.js';
import { configureDaemonOutput, drainDaemonOutput } from '../output/daemon-stdio.js';
import { writePidfile, removeQuietly } from './pidfile.js';
import type { DaemonSignal, SignalQueue } from './signals.js';
import type { OrphanReaper } from './orphan-reaper.js';
import { watchEssentialPrograms } from './essential-programs.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { PoolHandover } from './pool-handover.js';

// At exit, stdout is written out while its reader reads; a reader that takes nothing this long has stopped.
const EXIT_DRAIN_STALL_MS = 5000;

/** essential-failed: an essential program failed; the daemon stops everything and exits non-zero */
export type RunOutcome = 'shutdown' | 'restart' | 'essential-failed';

export interface RunContext {
  config: Config;
  signals: SignalQueue;
  /** CRIT lines to log first (the running-as-root warning) */
  criticals: string[];
  /** INFO lines to log after the config's own (privileges, rlimits) */
  infos: string[];
  /** true in the background copy started without -n, on its first run */
  daemonizing: boolean;
  /** the first run of this supervisord (not a reload): a bad [plugin:x] then stops the start */
  firstRun: boolean;
  /** called once the run is up (pidfile written), for the foreground process waiting on us */
  onReady?: () => void;
  /** reads the config file again with the same command-line overrides (reread/update); throws ConfigError */
  rereadConfig: () => Config;
  /** the event bus and serials live as long as the daemon: serials continue across reloads, as in 4.2.5 */
  bus: EventBus;
  serials: EventSerials;
  /** waits for the children Node did not spawn (orphans re-parented to us as PID 1); null if unavailable */
  reaper: OrphanReaper | null;
  /** the Prometheus metrics live as long as the daemon too: counters continue across reloads */
  metrics: DaemonMetrics;
  /** what listener pools held at the last reload, for this run's pools; this run's go there at a reload */
  poolHandover: PoolHandover;
}

export async function runOnce(ctx: RunContext): Promise<RunOutcome> {
  const { config } = ctx;
  const settings = config.supervisord;
  const logger = makeMainLogger(settings);
  // a slow reader of our stdout spills to childlogdir, and what the writers have to say goes here
  configureDaemonOutput({ spoolDir: settings.childlogdir, report: (level, message) => logger[level](message) });
  for (const msg of ctx.criticals) logger.critical(msg);
  for (const msg of config.warnings) logger.warn(msg);
  for (const msg of [...config.infos, ...ctx.infos]) logger.info(msg);
  // 4.2.5's line for a child it did not start
  ctx.reaper?.setListener(({ pid, how }) => logger.info(`reaped unknown pid ${pid} (${how})`));

  // read again at each run: a reload may name another statefile, or none
  const decisions = config.statefile === null ? null : OperatorDecisions.open(config.statefile, (level, message) => logger[level](message));
  const supervisor = new Supervisor({ config, logger, decisions });
  ctx.bus.reportErrorsTo((name, err) => logger.error(`event subscriber ${name} failed: ${(err as Error).stack ?? String(err)}`));
  // pools first: a pool must be subscribed when its own PROCESS_GROUP_ADDED is published
  const pools = attachListenerPools(supervisor, ctx.bus, ctx.serials, logger, ctx.poolHandover);
  // plugins load before the groups exist, so they see the first PROCESS_GROUP_ADDED too
  const plugins = await startPluginHost({ sections: config.extraSections, supervisor, bus: ctx.bus, logger, strict: ctx.firstRun });
  const detachEventSources = attachEventSources(supervisor, ctx.bus, [plugins.lineConsumer]);
  // before the first spawn, so every start and exit of the run is counted
  const detachMetrics = ctx.metrics.observeRun({ supervisor, pools, plugins });
  // an RPC shutdown/restart ends the run like the matching signal; answered first, acted on next tick
  let requestOutcome: (outcome: RunOutcome) => void = () => {};
  const requested = new Promise<RunOutcome>((resolve) => (requestOutcome = (o) => setImmediate(() => resolve(o))));
  // before the first spawn, so the page's timelines hold every state change of the run
  const web = new WebFrontend({ supervisor, bus: ctx.bus, logger });
  // 4.2.5 opens its HTTP servers before daemonizing, so a busy port fails in the foreground (exit 2)
  const rpc = await openRpcServers(config, {
    supervisor,
    logger,
    mainLogfile: settings.logfile,
    identifier: settings.identifier,
    rereadConfig: ctx.rereadConfig,
    requestShutdown: () => requestOutcome('shutdown'),
    requestRestart: () => requestOutcome('restart'),
    onRemoteCommunication: (type, data) => ctx.bus.publish({ type: 'REMOTE_COMMUNICATION', time: Date.now(), commtype: type, data }),
  }, { web, metrics: ctx.metrics });

  const detachEssentials = watchEssentialPrograms(supervisor, (reason) => {
    logger.critical(`${reason}: shutting down`);
    requestOutcome('essential-failed');
  });

  if (ctx.daemonizing) daemonizeInPlace(settings.directory, settings.umask, logger);
  let pidfileWritten = writePidfile(settings.pidfile);
  if (pidfileWritten) logger.info(`supervisord started with pid ${process.pid}`);
  else logger.critical(`could not write pidfile ${settings.pidfile}`);
  ctx.onReady?.();

  let outcome: RunOutcome;
  try {
    try {
      supervisor.start();
    } catch (err) {
      // not expected (a program's own trouble is its spawnerr): stop what started, and let the
      // finally below remove the pidfile and the sockets before the error ends the daemon
      logger.critical(`cannot start the programs: ${(err as Error).stack ?? String(err)}`);
      await stopEverything(supervisor, logger, ctx.signals, 'shutdown');
      throw err;
    }
    outcome = await new Promise<RunOutcome>((resolve) => {
      ctx.signals.setHandler((sig) => {
        const result = handleSignal(sig, supervisor, logger, rpc);
        if (result) resolve(result);
      });
      void requested.then(resolve);
    });
    outcome = await stopEverything(supervisor, logger, ctx.signals, outcome);
  } finally {
    ctx.signals.setHandler(null);
    detachEssentials();
    detachEventSources();
    // after the children stopped, so their last lines and states reach the plugins
    await plugins.close();
    // a reload hands the pools' events to the next run; a shutdown counts them as dropped
    pools.detach(outcome! === 'restart' ? ctx.poolHandover : null);
    // last: the pools' and plugins' final counts are kept for the next run
    detachMetrics();
    // upgraded connections hold the servers open: end them first
    web.close();
    await rpc.close();
    if (pidfileWritten) removeQuietly(settings.pidfile);
    ctx.reaper?.setListener(null);
    // before the main log closes, so that output left unwritten for a reader that stopped is said
    if (outcome! !== 'restart') await drainDaemonOutput(EXIT_DRAIN_STALL_MS);
    logger.close();
  }
  return outcome;
}

function handleSignal(sig: DaemonSignal, supervisor: Supervisor, logger: Logger, rpc: RpcServers | null = null): RunOutcome | null {
  switch (sig) {
    case 'SIGTERM':
    case 'SIGINT':
    case 'SIGQUIT':
      logger.warn(`received ${sig} indicating exit request`);
      return 'shutdown';
    case 'SIGHUP':
      logger.warn(`received ${sig} indicating restart request`);
      return 'restart';
    case 'SIGUSR2':
      logger.info(`received ${sig} indicating log reopen request`);
      // 4.2.5's reopenlogs says it before reopening: both lines close the old file (a rotation
      // script sees them in the file it moved away), the new one starts empty
      logger.info('supervisord logreopen');
      logger.reopen();
      void supervisor.reopenLogs();
      // beyond 4.2.5: a unix socket file removed under us is bound again
      void rpc?.restoreSockets();
      return null;
  }
}

/**
 * Stops every process in reverse priority (the core logs who it still waits for). An exit signal during a restart turns it into a shutdown; a SIGHUP during a shutdown is ignored.
 */
async function stopEverything(
  supervisor: Supervisor,
  logger: Logger,
  signals: SignalQueue,
  requested: RunOutcome,
): Promise<RunOutcome> {
  let outcome = requested;
  signals.setHandler((sig) => {
    if (sig === 'SIGHUP') {
      if (outcome !== 'restart') logger.warn(`ignored ${sig} indicating restart request (shutdown in progress)`);
      else logger.warn(`received ${sig} indicating restart request`);
    } else if (sig === 'SIGUSR2') {
      handleSignal(sig, supervisor, logger);
    } else {
      logger.warn(`received ${sig} indicating exit request`);
      // still a failure for the orchestrator when an essential program started the stop
      if (outcome === 'restart') outcome = 'shutdown';
      void supervisor.shutdown();
    }
  });
  await supervisor.shutdown({ restart: outcome === 'restart' });
  await supervisor.closeLogs();
  return outcome;
}

function daemonizeInPlace(directory: string | null, umask: number, logger: Logger): void {
  logger.info('daemonizing the supervisord process');
  if (directory) {
    try {
      process.chdir(directory);
      logger.info(`set current directory: '${directory}'`);
    } catch (err) {
      logger.critical(`can't chdir into '${directory}': ${(err as Error).message}`);
    }
  }
  process.umask(umask);
}
