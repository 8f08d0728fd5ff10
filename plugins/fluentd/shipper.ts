// Where fluentd's records wait and in what order they leave. Entries are grouped per tag into
// chunks in memory (bounded in bytes, chunks in flight included); past that bound, and for as
// long as anything waits on disk, they go to the spool, so that memory always holds the oldest
// records and the order is kept. Chunks are sent several at a time and leave memory (or the
// spool) only once delivered; a lost connection puts them back at the head. At a stop, what is not
// acknowledged when flush_timeout runs out is written to the spool, ahead of what waits there.
import type { PluginLogger, PluginMetrics } from '../../src/plugins/api.js';
import { ForwardConnection, type ConnectionOptions } from './forward-connection.js';
import { SpoolFullError, type ChunkSpool, type RecordRef } from './spool.js';

/** a chunk is closed (and sent as one message) at this size */
export const CHUNK_BYTES = 1024 * 1024;
/** bytes sent and not yet delivered, at most (one chunk may go past it) */
const WINDOW_BYTES = 4 * 1024 * 1024;
/** a burst of drops is over when none came for this long; a long one is logged this often */
const DROP_QUIET_MS = 1000;
const DROP_REPORT_MS = 10_000;

interface Chunk {
  tag: string;
  parts: Buffer[];
  bytes: number;
  entries: number;
  /** where it waits in the spool, for chunks read back from it; null for chunks made in memory */
  refs: readonly RecordRef[] | null;
  sends: number;
}

export interface ShipperOptions {
  connection: ConnectionOptions;
  memoryMaxBytes: number;
  spool: ChunkSpool | null;
  /** why there is no spool, for the drop lines ("spool_max_bytes=0") */
  noSpoolReason: string;
  log: PluginLogger;
  metrics: PluginMetrics;
}

export class Shipper {
  private readonly open = new Map<string, Chunk>();
  private queue: Chunk[] = [];
  private memoryBytes = 0;
  private inFlightBytes = 0;
  private inFlightChunks = 0;
  private readonly connection: ForwardConnection<Chunk>;
  private readonly target: string;
  private readonly drops: DropReport;
  private connectionDown = false;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly delivered;
  private readonly spooled;
  private readonly resent;
  private readonly bufferBytes;
  private readonly spoolBytes;
  private readonly spoolRecords;

  constructor(private readonly options: ShipperOptions) {
    const { metrics, log } = options;
    this.target = `${options.connection.host}:${options.connection.port}`;
    this.delivered = metrics.counter('records_delivered');
    this.spooled = metrics.counter('records_spooled');
    this.resent = metrics.counter('records_resent');
    this.bufferBytes = metrics.gauge('buffer_bytes');
    this.spoolBytes = metrics.gauge('spool_bytes');
    this.spoolRecords = metrics.gauge('spool_records');
    this.drops = new DropReport(log, metrics.counter('records_dropped'));
    this.updateGauges();
    this.connection = new ForwardConnection<Chunk>(options.connection, {
      ready: () => {
        if (this.connectionDown) log.info(`connected to ${this.target} again`);
        this.connectionDown = false;
        this.pump();
      },
      delivered: (chunk) => this.onDelivered(chunk),
      lost: (chunks, reason) => this.onLost(chunks, reason),
    });
  }

  /** Entries of one tag (one event's lines, or one state record). */
  add(tag: string, entries: Buffer, count: number): void {
    const { spool } = this.options;
    if (spool !== null && (spool.holdsUndelivered || this.memoryBytes + entries.length > this.options.memoryMaxBytes)) {
      this.toSpool(spool, tag, entries, count);
    } else if (spool === null && this.memoryBytes + entries.length > this.options.memoryMaxBytes) {
      this.drops.count(count, `memory full (buffer_max_bytes=${bytesText(this.options.memoryMaxBytes)}) and no spool (${this.options.noSpoolReason})`);
    } else {
      let chunk = this.open.get(tag);
      if (chunk !== undefined && chunk.bytes + entries.length > CHUNK_BYTES) {
        this.close(chunk);
        chunk = undefined;
      }
      if (chunk === undefined) {
        chunk = { tag, parts: [], bytes: 0, entries: 0, refs: null, sends: 0 };
        this.open.set(tag, chunk);
      }
      chunk.parts.push(entries);
      chunk.bytes += entries.length;
      chunk.entries += count;
      this.memoryBytes += entries.length;
    }
    this.updateGauges();
    this.pump();
  }

  /** Sends everything; resolves once all is delivered. When `deadline` aborts first, the rest goes to the spool. */
  async flush(deadline: AbortSignal): Promise<void> {
    const { spool, log } = this.options;
    const giveUp = (): void => this.stopWithLeftovers();
    if (deadline.aborted) return giveUp();
    deadline.addEventListener('abort', giveUp, { once: true });
    for (const chunk of [...this.open.values()]) this.close(chunk);
    this.pump();
    while (!this.isEmpty()) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      if (deadline.aborted) return;
    }
    deadline.removeEventListener('abort', giveUp);
    this.stopping = true;
    await this.connection.close();
    spool?.close();
    this.drops.end();
    log.info(`flushed${this.drops.total > 0 ? `, ${this.drops.total} records dropped in this run` : ''}`);
  }

  private isEmpty(): boolean {
    return this.queue.length === 0 && this.open.size === 0 && this.inFlightChunks === 0 && !this.options.spool?.holdsUndelivered;
  }

  private toSpool(spool: ChunkSpool, tag: string, entries: Buffer, count: number): void {
    // what memory holds is older than what goes to disk now: it must leave first, closed as it is
    for (const chunk of [...this.open.values()]) this.close(chunk);
    try {
      spool.append({ tag, parts: [entries], entries: count });
      this.spooled.inc(count);
    } catch (err) {
      const reason =
        err instanceof SpoolFullError
          ? `memory (buffer_max_bytes=${bytesText(this.options.memoryMaxBytes)}) and spool (spool_max_bytes=${bytesText(spool.maxBytes)}, in ${spool.dir}) full`
          : `the spool in ${spool.dir} cannot be written: ${(err as Error).message}`;
      this.drops.count(count, reason);
    }
  }

  private close(chunk: Chunk): void {
    this.open.delete(chunk.tag);
    this.queue.push(chunk);
  }

  /** Reads the spool back as memory frees up, then sends while the window has room. */
  private pump(): void {
    if (!this.connection.ready || this.stopping) return;
    this.refill();
    while (this.inFlightBytes < WINDOW_BYTES) {
      let chunk = this.queue.shift();
      if (chunk === undefined) {
        // the oldest open chunk: whatever came since the last send goes now
        chunk = this.open.values().next().value;
        if (chunk === undefined) break;
        this.open.delete(chunk.tag);
      }
      chunk.sends++;
      if (chunk.sends > 1) this.resent.inc(chunk.entries);
      this.inFlightBytes += chunk.bytes;
      this.inFlightChunks++;
      this.connection.send(chunk);
    }
  }

  private refill(): void {
    const { spool, memoryMaxBytes } = this.options;
    if (spool === null) return;
    while (spool.unreadEntries > 0 && this.memoryBytes < memoryMaxBytes) {
      const read = spool.read(Math.min(CHUNK_BYTES, memoryMaxBytes - this.memoryBytes));
      if (read === null) break;
      this.queue.push({ ...read, sends: 0 });
      this.memoryBytes += read.bytes;
    }
    this.updateGauges();
  }

  private onDelivered(chunk: Chunk): void {
    this.inFlightBytes -= chunk.bytes;
    this.inFlightChunks--;
    this.memoryBytes -= chunk.bytes;
    if (chunk.refs !== null) this.options.spool?.delivered(chunk.refs);
    this.delivered.inc(chunk.entries);
    this.pump();
    this.updateGauges();
    this.wakeFlush();
  }

  private onLost(chunks: Chunk[], reason: string): void {
    for (const chunk of chunks) {
      this.inFlightBytes -= chunk.bytes;
      this.inFlightChunks--;
    }
    // they are the oldest: they go first once connected again
    this.queue.unshift(...chunks);
    if (this.connectionDown || this.stopping) return;
    this.connectionDown = true;
    const unconfirmed = chunks.reduce((n, c) => n + c.entries, 0);
    const where = this.options.spool !== null ? `in memory and in the spool (${this.options.spool.dir})` : 'in memory';
    this.options.log.warn(
      `connection to ${this.target} failed (${reason})${unconfirmed > 0 ? `, ${unconfirmed} records not acknowledged will be sent again` : ''}: records wait ${where}, reconnecting`,
    );
  }

  private wakeFlush(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** flush_timeout ran out: stop sending, keep what memory holds in the spool, and say what waits where. */
  private stopWithLeftovers(): void {
    const { spool, log } = this.options;
    this.stopping = true;
    this.connection.destroy('supervisord is stopping');
    const chunks = [...this.queue, ...this.open.values()];
    // chunks read back from the spool are still there, not delivered: only memory's own are written
    const fromMemory = chunks.filter((c) => c.refs === null);
    const notAcknowledged = chunks.reduce((n, c) => n + c.entries, 0);
    const inMemory = fromMemory.reduce((n, c) => n + c.entries, 0);
    this.drops.end();
    if (spool === null) {
      log.error(`flush_timeout reached: ${notAcknowledged} records not acknowledged by ${this.target} are lost (no spool: ${this.options.noSpoolReason})`);
    } else {
      const kept = spool.prepend(fromMemory);
      if (kept > 0) this.spooled.inc(kept);
      const waiting = spool.unreadEntries + (notAcknowledged - inMemory);
      const lost = inMemory - kept;
      log.warn(
        `flush_timeout reached: ${notAcknowledged} records not acknowledged by ${this.target}; ${waiting} records wait in the spool (${spool.dir}) for the next start` +
          (lost > 0 ? `, ${lost} records lost (the spool could not be written)` : ''),
      );
      spool.close();
    }
    this.queue = [];
    this.open.clear();
    this.memoryBytes = 0;
    this.updateGauges();
    this.wakeFlush();
  }

  private updateGauges(): void {
    this.bufferBytes.set(this.memoryBytes);
    this.spoolBytes.set(this.options.spool?.diskBytes ?? 0);
    this.spoolRecords.set(this.options.spool?.unreadEntries ?? 0);
  }
}

/**
 * Drops are counted at once (the counter) and logged once per burst, when none came for a second
 * (records that still fit between them do not end it: memory at its bound takes small ones and
 * drops large ones); a burst that goes on is logged every ten seconds.
 */
class DropReport {
  total = 0;
  private burst = 0;
  private reason = '';
  private lastDropAt = 0;
  private lastLineAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: PluginLogger,
    private readonly counter: { inc(by: number): void },
  ) {}

  count(records: number, reason: string): void {
    this.total += records;
    this.burst += records;
    this.counter.inc(records);
    this.reason = reason;
    this.lastDropAt = Date.now();
    if (this.timer === undefined) {
      this.lastLineAt = this.lastDropAt;
      this.timer = setInterval(() => this.tick(), DROP_QUIET_MS);
    }
  }

  end(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.burst > 0) this.line();
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastDropAt >= DROP_QUIET_MS) this.end();
    else if (now - this.lastLineAt >= DROP_REPORT_MS) this.line();
  }

  private line(): void {
    this.log.warn(`dropped ${this.burst} records: ${this.reason}; ${this.total} dropped in this run`);
    this.burst = 0;
    this.lastLineAt = Date.now();
  }
}

export function bytesText(bytes: number): string {
  const unit = (size: number, name: string): string => `${Number.isInteger(bytes / size) ? bytes / size : (bytes / size).toFixed(1)} ${name}`;
  if (bytes >= 1024 * 1024) return unit(1024 * 1024, 'MiB');
  if (bytes >= 1024) return unit(1024, 'KiB');
  return `${bytes} bytes`;
}
