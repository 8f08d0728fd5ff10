// The pages' WebSocket (/ws): each page gets a snapshot (processes, state history, resource samples),
// then pushes on every state change and sample; it sends actions and log-follow requests back.
import type { WebSocket } from 'ws';
import type { Logger } from '../logging/logger.js';
import type { ProcessGroup } from '../process/group.js';
import type { GroupUpdate, Supervisor } from '../process/supervisor.js';
import { parseActionRequest, runAction } from './actions.js';
import { followLog, type Channel } from './log-follower.js';
import { ProcessHistory, type HistoryEntry } from './process-history.js';
import { processView } from './process-view.js';
import { ResourceSampler, SAMPLE_INTERVAL_MS, type ResourceSample } from './resource-sampler.js';

/** A page that reads slower than updates come loses log lines (it is told) instead of growing our memory. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface PageSession {
  socket: WebSocket;
  stopFollowing: (() => void) | null;
}

export class PageHub {
  private readonly sessions = new Set<PageSession>();
  private readonly history: ProcessHistory;
  private readonly sampler: ResourceSampler;
  private readonly onGroupsChanged = (_group?: ProcessGroup | string | GroupUpdate): void => this.broadcast(() => this.snapshot());

  constructor(
    private readonly supervisor: Supervisor,
    private readonly logger: Logger,
  ) {
    this.history = new ProcessHistory(supervisor, (namespec, entry) => this.onStateChange(namespec, entry));
    this.sampler = new ResourceSampler(supervisor, (at, values) => this.onSample(at, values));
    supervisor.on('group-added', this.onGroupsChanged);
    supervisor.on('group-removed', this.onGroupsChanged);
    supervisor.on('group-updated', this.onGroupsChanged);
  }

  attach(socket: WebSocket): void {
    const session: PageSession = { socket, stopFollowing: null };
    this.sessions.add(session);
    this.sampler.start();
    const end = (): void => {
      session.stopFollowing?.();
      this.sessions.delete(session);
      // no page left: stop reading /proc so an idle daemon stays idle
      if (this.sessions.size === 0) this.sampler.stop();
    };
    socket.on('close', end);
    socket.on('error', end);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onMessage(session, data.toString());
    });
    this.send(session, this.snapshot());
  }

  close(): void {
    for (const session of this.sessions) session.stopFollowing?.();
    this.sessions.clear();
    this.sampler.stop();
    this.history.close();
    this.supervisor.off('group-added', this.onGroupsChanged);
    this.supervisor.off('group-removed', this.onGroupsChanged);
    this.supervisor.off('group-updated', this.onGroupsChanged);
  }

  private snapshot(): object {
    return {
      type: 'snapshot',
      now: Date.now(),
      sampleIntervalMs: SAMPLE_INTERVAL_MS,
      processes: this.supervisor.processes().map(processView),
      history: this.history.all(),
      samples: this.sampler.all(),
    };
  }

  private onStateChange(namespec: string, entry: HistoryEntry): void {
    if (this.sessions.size === 0) return;
    let proc;
    try {
      proc = this.supervisor.resolve(namespec).process;
    } catch {
      return;
    }
    if (proc === null) return;
    const message = { type: 'process', process: processView(proc), change: entry };
    this.broadcast(() => message);
  }

  private onSample(at: number, values: Record<string, ResourceSample>): void {
    this.broadcast(() => ({ type: 'samples', at, values }));
  }

  private onMessage(session: PageSession, text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message === null || typeof message !== 'object') return;
    if (message.type === 'action') this.act(session, message);
    else if (message.type === 'follow') this.follow(session, message);
    else if (message.type === 'unfollow') {
      session.stopFollowing?.();
      session.stopFollowing = null;
    }
  }

  private act(session: PageSession, message: Record<string, unknown>): void {
    const request = parseActionRequest(message);
    const id = message.id;
    if (request === null) {
      this.send(session, { type: 'result', id, ok: false, message: 'ERROR: malformed action' });
      return;
    }
    runAction(this.supervisor, request).then(
      (result) => this.send(session, { type: 'result', id, ...result }),
      (err: unknown) => {
        this.logger.error(`web action ${request.action} ${request.name} failed: ${(err as Error).stack ?? String(err)}`);
        this.send(session, { type: 'result', id, ok: false, message: `ERROR: ${(err as Error).message}` });
      },
    );
  }

  private follow(session: PageSession, message: Record<string, unknown>): void {
    session.stopFollowing?.();
    session.stopFollowing = null;
    const channel: Channel = message.channel === 'stderr' ? 'stderr' : 'stdout';
    let proc;
    try {
      proc = typeof message.namespec === 'string' ? this.supervisor.resolve(message.namespec).process : null;
    } catch {
      proc = null;
    }
    if (proc === null) {
      this.send(session, { type: 'log-error', namespec: message.namespec, message: `No such process ${String(message.namespec)}` });
      return;
    }
    let skipped = 0;
    session.stopFollowing = followLog(proc, channel, (log) => {
      if (session.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        skipped += log.lines.length;
        return;
      }
      this.send(session, skipped ? { ...log, skipped } : log);
      skipped = 0;
    });
  }

  private broadcast(build: () => object): void {
    if (this.sessions.size === 0) return;
    const text = JSON.stringify(build());
    for (const session of this.sessions) this.sendText(session, text);
  }

  private send(session: PageSession, message: object): void {
    this.sendText(session, JSON.stringify(message));
  }

  private sendText(session: PageSession, text: string): void {
    if (session.socket.readyState !== session.socket.OPEN) return;
    session.socket.send(text);
  }
}
