// Gives every [eventlistener:x] group its ListenerPool: the pool subscribes to the bus, reads the
// listeners' stdout as protocol, writes events to their stdin, and is told when a listener
// spawns, becomes RUNNING or dies. A listener that breaks the protocol is restarted. Past its
// buffer a pool spools to childlogdir unless set to drop; at a reload what a pool holds goes to
// the next run's pool of the same name, at shutdown it is counted as dropped (docs/decisions/0004).
import type { EventTypeName } from '../config/events.js';
import type { EventBus, EventSerials } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import { ListenerPool, type PoolListener } from '../listeners/pool.js';
import { readPoolSettings } from '../listeners/pool-settings.js';
import { EventSpool, removeStaleSpools, spoolPath } from '../listeners/spool.js';
import type { ProcessGroup } from '../process/group.js';
import { ProcessState, SupervisorState } from '../process/states.js';
import type { StateChange, Subprocess } from '../process/subprocess.js';
import type { Supervisor } from '../process/supervisor.js';
import type { PoolHandover } from './pool-handover.js';

/** an event is one envelope; more than this queued on a listener's stdin means it stopped reading */
const MAX_STDIN_QUEUE = 16 * 1024 * 1024;
const ALIVE = new Set([ProcessState.STARTING, ProcessState.RUNNING, ProcessState.STOPPING]);
// A listener that exits closes its stdout a moment before its exit is seen (the pipe and SIGCHLD
// race); one still running this long after its stdout ended has only closed its stdout.
const STDOUT_CLOSED_GRACE_MS = 1000;

export interface ListenerPools {
  readonly pools: ReadonlyMap<string, ListenerPool>;
  /** the run ends: with `handover` (a reload) each pool's events go there, else they are counted as dropped */
  detach(handover: PoolHandover | null): void;
}

/** `carried`: what the last run's pools held at the reload that started this run. */
export function attachListenerPools(supervisor: Supervisor, bus: EventBus, serials: EventSerials, logger: Logger, carried: PoolHandover): ListenerPools {
  const { identifier, childlogdir, nocleanup } = supervisor.config.supervisord;
  const pools = new Map<string, { pool: ListenerPool; unsubscribe: () => void }>();
  // before any pool of this run exists; the last run's pools removed their own spools on close,
  // or handed them over
  if (!nocleanup) removeStaleSpools(childlogdir, identifier, (m) => logger.warn(m), carried.spoolPaths());

  const onGroupAdded = (group: ProcessGroup): void => {
    if (group.config.type !== 'eventlistener') return;
    const settings = readPoolSettings(group.config);
    // the file itself is created only when the buffer first overflows
    const spool = settings.overflow === 'spool' ? new EventSpool(spoolPath(childlogdir, group.name, identifier), settings.spoolMaxBytes) : undefined;
    const listeners = new Map<PoolListener, Subprocess>();
    const pool = new ListenerPool({
      name: group.name,
      events: (group.config.events ?? []) as EventTypeName[],
      bufferSize: group.config.buffer_size ?? 10,
      identifier,
      serials,
      logger,
      overflow: settings.overflow,
      spool,
      memoryBytes: settings.memoryMaxBytes,
      busyTimeoutMs: settings.busyTimeout * 1000,
      onProtocolViolation: (listener) => restartListener(listeners.get(listener)!),
    });
    const adapters = group.processes.map((proc) => {
      const adapter: PoolListener = {
        name: proc.name,
        isRunning: () => proc.state === ProcessState.RUNNING,
        send: (parts, written) => proc.writeStdin(parts, MAX_STDIN_QUEUE, written) === 'ok',
      };
      listeners.set(adapter, proc);
      proc.on('stdout', (chunk) => pool.listenerOutput(adapter, chunk));
      proc.on('stdout-closed', (pid) => {
        // a pipe a grandchild kept open may close after the next spawn: that one is not concerned
        if (proc.pid !== pid) {
          logger.debug(`${proc.name}: the stdout of its earlier process (pid ${pid}) closed`);
          return;
        }
        pool.listenerOutputClosed(adapter);
        const check = setTimeout(() => {
          if (proc.pid !== pid || (proc.state !== ProcessState.RUNNING && proc.state !== ProcessState.STARTING)) return;
          logger.warn(`${proc.name}: closed its stdout but is still running: it can never answer, restarting it`);
          restartListener(proc);
        }, STDOUT_CLOSED_GRACE_MS);
        check.unref();
      });
      proc.on('state', (change: StateChange) => {
        if (change.to === ProcessState.STARTING) pool.listenerSpawned(adapter);
        else if (change.to === ProcessState.RUNNING) pool.listenerRunning();
        else if (ALIVE.has(change.from) && !ALIVE.has(change.to)) pool.listenerExited(adapter);
      });
      return adapter;
    });
    pool.setListeners(adapters);
    // before its first event of this run: the last run's come first
    const backlog = carried.take(group.name);
    if (backlog) pool.adopt(backlog);
    // a pool subscribes as its group is created, so it sees its own PROCESS_GROUP_ADDED (4.2.5 too)
    const unsubscribe = bus.subscribe(group.name, pool.events, (event) => pool.accept(event), { leasesLogBodies: true });
    pools.set(group.name, { pool, unsubscribe });
  };

  /** The pool goes: its events to `handover` (a reload), else counted as dropped and said. */
  const closePool = (name: string, handover: PoolHandover | null, when: string): void => {
    const entry = pools.get(name);
    if (!entry) return;
    entry.unsubscribe();
    if (handover) handover.keep(name, entry.pool.handOver());
    else entry.pool.close(when);
    pools.delete(name);
  };
  const onGroupRemoved = (name: string): void => closePool(name, null, 'as its group was removed');
  // every group of the new config exists now: a pool that is gone from it cannot take its events
  const onRunStarted = (): void =>
    carried.discardRest((name, events, lines) =>
      logger.error(`pool ${name} is not in the new config: ${events} events (${lines} output lines) it held at the reload are discarded`),
    );

  /** Beyond 4.2.5: stop and start again, so one stray byte does not leave a pool without its listener. */
  function restartListener(proc: Subprocess): void {
    if (supervisor.state !== SupervisorState.RUNNING) return;
    logger.warn(`restarting event listener ${proc.name} after a protocol violation`);
    const startAgain = (change: StateChange): void => {
      if (change.to !== ProcessState.STOPPED && change.to !== ProcessState.EXITED && change.to !== ProcessState.FATAL) return;
      proc.off('state', startAgain);
      // spawn once the stop has fully settled (the state event fires while the old child is released)
      setImmediate(() => {
        if (supervisor.state === SupervisorState.RUNNING && !ALIVE.has(proc.state)) proc.spawn();
      });
    };
    if (proc.state === ProcessState.RUNNING || proc.state === ProcessState.STARTING) {
      proc.on('state', startAgain);
      proc.stop();
    }
  }

  supervisor.on('group-added', onGroupAdded);
  supervisor.on('group-removed', onGroupRemoved);
  supervisor.once('run-started', onRunStarted);
  return {
    get pools() {
      return new Map([...pools].map(([name, { pool }]) => [name, pool]));
    },
    detach(handover) {
      supervisor.off('group-added', onGroupAdded);
      supervisor.off('group-removed', onGroupRemoved);
      supervisor.off('run-started', onRunStarted);
      for (const name of [...pools.keys()]) closePool(name, handover, 'at shutdown');
    },
  };
}
