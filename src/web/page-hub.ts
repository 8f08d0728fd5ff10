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
/**
 * A page this far behind on everything else (states, samples, snapshots) has stopped reading: it
 * is closed (the page reconnects and gets a fresh snapshot) instead of being buffered without
 * bound. Above the log follow's bound, so that a slow page following a log loses lines first; one
 * snapshot more may be waiting, as a snapshot of many processes can be larger than the bound.
 */
const MAX_BEHIND_BYTES = 8 * 1024 * 1024;
// 1008 "policy violation" is the closest standard code for "you fell too far behind" (as /events)
const CLOSE_TOO_SLOW = 1008;
// a page that does not read does not read our close frame either: its connection is cut after this
const CLOSE_GRACE_MS = 5_000;

interface PageSession {
  socket: WebSocket;
  /** who it is, for the log line when it is dropped */
  peer: string;
  stopFollowing: (() => void) | null;
}

export class PageHub {
  private readonly sessions = new Set<PageSession>();
  private readonly history: ProcessHistory;
  private readonly sampler: ResourceSampler;
  private readonly onGroupsChanged = (_group?: ProcessGroup | string | GroupUpdate): void => this.broadcast(() => this.snapshot());
  /** the length of the last snapshot sent: a page may be that much further behind */
  private snapshotBytes = 0;

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

  /** `peer` names the client in the log (its address and port). */
  attach(socket: WebSocket, peer: string): void {
    const session: PageSession = { socket, peer, stopFollowing: null };
    this.sessions.add(session);
    this.sampler.start();
    socket.on('close', () => this.end(session));
    socket.on('error', () => this.end(session));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onMessage(session, data.toString());
    });
    this.send(session, this.snapshot());
  }

  private end(session: PageSession): void {
    session.stopFollowing?.();
    session.stopFollowing = null;
    this.sessions.delete(session);
    // no page left: stop reading /proc so an idle daemon stays idle
    if (this.sessions.size === 0) this.sampler.stop();
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
    const text = this.serialize(build());
    for (const session of this.sessions) this.sendText(session, text);
  }

  private send(session: PageSession, message: object): void {
    this.sendText(session, this.serialize(message));
  }

  private serialize(message: object): string {
    const text = JSON.stringify(message);
    if ((message as { type?: unknown }).type === 'snapshot') this.snapshotBytes = Buffer.byteLength(text);
    return text;
  }

  private sendText(session: PageSession, text: string): void {
    const { socket } = session;
    if (socket.readyState !== socket.OPEN) return;
    const behind = socket.bufferedAmount;
    if (behind > MAX_BEHIND_BYTES + this.snapshotBytes) {
      this.drop(session, behind);
      return;
    }
    socket.send(text);
  }

  private drop(session: PageSession, behind: number): void {
    const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
    this.logger.warn(`web page connection from ${session.peer} closed: it stopped reading (${mib(behind)} MiB of updates waiting, the limit is ${mib(MAX_BEHIND_BYTES)} MiB)`);
    this.end(session);
    session.socket.close(CLOSE_TOO_SLOW, 'client too slow');
    setTimeout(() => session.socket.terminate(), CLOSE_GRACE_MS).unref();
  }
}
