// One [eventlistener:x] pool: its event buffer, dispatch to the first RUNNING+READY listener in
// process order (4.2.5 has no round robin), results, re-buffering at the head, and counted
// overflow. The pool drives listeners only through the small PoolListener interface, so the
// process core owns the processes and the pool owns the protocol.
import type { Logger } from '../logging/logger.js';
import type { EventTypeName } from '../config/events.js';
import { expandSubscription, type EventSerials } from '../events/bus.js';
import { envelopeOf } from '../events/envelope.js';
import type { SupervisorEvent } from '../events/types.js';
import { ListenerProtocol, type ProtocolEvent } from './protocol.js';
import { SpoolCorruptError, type EventSpool } from './spool.js';
import { compactEvent, toWireEvent, type WireEvent } from './wire-event.js';

export interface PoolListener {
  readonly name: string;
  /** process state RUNNING: 4.2.5 sends nothing to a listener still inside startsecs */
  isRunning(): boolean;
  /**
   * Writes the parts to the listener's stdin as one; false when the pipe is gone (EPIPE).
   * `written` is called once the bytes left the daemon (or the write failed), when true was returned.
   */
  send(parts: readonly Buffer[], written?: () => void): boolean;
}

/** What the result handler made of a result body: 4.2.5's default accepts exactly `OK`. */
export type ResultVerdict = 'accepted' | 'rejected';
export type ResultHandler = (event: SupervisorEvent, body: Buffer) => ResultVerdict;
export const defaultResultHandler: ResultHandler = (_event, body) => (body.equals(OK) ? 'accepted' : 'rejected');
const OK = Buffer.from('OK');

export interface PoolOptions {
  name: string;
  events: readonly EventTypeName[];
  /** events held in memory while no listener is free; past it, `overflow` decides */
  bufferSize: number;
  identifier: string;
  serials: EventSerials;
  logger: Logger;
  resultHandler?: ResultHandler;
  /** a listener broke the protocol: the owner restarts it (beyond 4.2.5, which leaves it UNKNOWN forever) */
  onProtocolViolation?: (listener: PoolListener) => void;
  /**
   * 'drop' (4.2.5): past bufferSize the oldest event is discarded. 'spool': past bufferSize
   * events go to `spool` on disk in order and come back as the buffer drains; only a full
   * spool (its byte cap or the disk) drops, and every such drop is counted. The config's
   * default is 'spool' (pool-settings.ts); a pool built without a spool drops.
   */
  overflow?: 'drop' | 'spool';
  spool?: EventSpool;
  /**
   * Spool mode: payload bytes held in memory past bufferSize before anything goes to the spool
   * file (docs/decisions/0021); 0 = straight to the spool, as before.
   */
  memoryBytes?: number;
  /** a listener BUSY longer than this is restarted and its event re-sent; 0 = wait forever (4.2.5) */
  busyTimeoutMs?: number;
}

type Buffered = WireEvent;

/** The pool is done with an event (delivered, dropped, spooled): its hold on recycled memory ends, once. */
function done(item: Buffered): void {
  const lease = item.bodyLease;
  item.bodyLease = null;
  lease?.release();
}

/**
 * What a pool held when its run ended with a reload, for the next run's pool of the same name
 * (docs/decisions/0004): oldest first, the events taken back from busy listeners and the memory
 * buffer, then the spool file with the newer ones, still open.
 */
export interface PoolBacklog {
  items: Buffered[];
  spool: EventSpool | undefined;
  nextPoolserial: number;
  /** the concrete event types the pool subscribed to: what its events can be */
  subscribed: ReadonlySet<string>;
}

/** Events and output lines a backlog holds. */
export function backlogSize(backlog: PoolBacklog): { events: number; lines: number } {
  return {
    events: backlog.items.length + (backlog.spool?.length ?? 0),
    lines: backlog.items.reduce((n, item) => n + linesIn(item), 0) + (backlog.spool?.lines ?? 0),
  };
}

function linesIn(item: Buffered): number {
  return item.lineCount;
}

export interface PoolStats {
  accepted: number;
  delivered: number;
  rejected: number;
  dropped: number;
  /** output lines inside the dropped PROCESS_LOG events */
  droppedLines: number;
  /** events ever written to the spool file (each comes back as the buffer drains) */
  spoolWrites: number;
  /** events held in memory (the buffer and the memory tier past it) */
  buffered: number;
  /** events held in the spool file */
  spooled: number;
  /** bytes of the spool file still to be read back */
  spoolBytes: number;
}

export class ListenerPool {
  readonly name: string;
  private readonly buffer: Buffered[] = [];
  /** spool mode: events past the buffer, oldest first, before any goes to the spool file */
  private memory: Buffered[] = [];
  private memoryHead = 0;
  private memoryHeld = 0;
  private listeners: PoolListener[] = [];
  private readonly protocols = new Map<PoolListener, ListenerProtocol>();
  private readonly inFlight = new Map<PoolListener, Buffered>();
  private readonly busyTimers = new Map<PoolListener, NodeJS.Timeout>();
  private nextPoolserial = 0;
  private readonly counters = { accepted: 0, delivered: 0, rejected: 0, dropped: 0, droppedLines: 0, spoolWrites: 0 };
  /** drops since the buffer last had room: logged once per burst, summed at its end */
  private burstDrops = 0;
  private burstDroppedLines = 0;
  private readonly resultHandler: ResultHandler;
  /** the concrete types the pool subscribes to: events carried over a reload are checked against them */
  private readonly wanted: ReadonlySet<string>;
  /** options.spool, or the last run's spool taken over at a reload */
  private spool: EventSpool | undefined;

  constructor(private readonly options: PoolOptions) {
    this.name = options.name;
    this.resultHandler = options.resultHandler ?? defaultResultHandler;
    this.wanted = expandSubscription(options.events);
    this.spool = options.spool;
  }

  get events(): readonly EventTypeName[] {
    return this.options.events;
  }

  get stats(): PoolStats {
    const spool = this.spool;
    return { ...this.counters, buffered: this.buffer.length + this.memory.length - this.memoryHead, spooled: spool?.length ?? 0, spoolBytes: spool?.bytes ?? 0 };
  }

  /** The pool's processes in pool order (priority, then name); a new spawn resets its protocol. */
  setListeners(listeners: PoolListener[]): void {
    this.listeners = listeners;
    for (const listener of listeners) if (!this.protocols.has(listener)) this.protocols.set(listener, new ListenerProtocol());
  }

  protocolState(listener: PoolListener): string {
    return this.protocol(listener).state;
  }

  /** A bus delivery: buffer it (spooling or dropping the oldest when full) and try to dispatch. */
  accept(event: SupervisorEvent): void {
    const serial = this.options.serials.serialOf(event);
    const item = toWireEvent({ event, serial, poolserial: this.nextPoolserial });
    // the pool's hold on recycled line memory, given back by done()
    item.bodyLease?.retain();
    // the payload is the event from now on: the lines' strings need not live as long as it waits
    item.event = compactEvent(event, item.payload, item.bodyLease);
    this.nextPoolserial = this.nextPoolserial >= Number.MAX_SAFE_INTEGER ? 0 : this.nextPoolserial + 1;
    this.counters.accepted++;
    const spool = this.spooling();
    if (spool) this.acceptSpooling(item, spool);
    else this.acceptDropping(item);
    this.dispatch();
  }

  private spooling(): EventSpool | undefined {
    return this.options.overflow === 'spool' ? this.spool : undefined;
  }

  private acceptDropping(item: Buffered): void {
    if (this.buffer.length >= this.options.bufferSize) {
      const discarded = this.buffer.shift()!;
      this.countDrop(discarded, `pool ${this.name} event buffer overflowed, discarding event ${discarded.serial}`);
      done(discarded);
    }
    this.buffer.push(item);
  }

  /** Once anything is spooled, newer events queue behind it on disk, so order is kept. */
  private acceptSpooling(item: Buffered, spool: EventSpool): void {
    if (spool.length === 0) {
      if (this.buffer.length < this.options.bufferSize && this.memoryLength() === 0) {
        this.buffer.push(item);
        return;
      }
      if (this.memoryHeld + item.payloadBytes <= (this.options.memoryBytes ?? 0)) {
        this.memory.push(item);
        this.memoryHeld += item.payloadBytes;
        return;
      }
    }
    try {
      spool.push(item);
      this.counters.spoolWrites++;
    } catch (err) {
      this.countDrop(item, `pool ${this.name} cannot spool event ${item.serial}, discarding it: ${(err as Error).message}`);
    }
    // on disk (or dropped): its bytes in memory are no longer needed
    done(item);
  }

  private countDrop(item: Buffered, firstMessage: string): void {
    this.countDrops(1, linesIn(item), firstMessage);
  }

  private countDrops(events: number, lines: number, firstMessage: string): void {
    this.counters.dropped += events;
    this.counters.droppedLines += lines;
    this.burstDroppedLines += lines;
    if (this.burstDrops === 0) this.options.logger.error(firstMessage);
    this.burstDrops += events;
  }

  /** Listener (re)spawned: a fresh protocol in ACKNOWLEDGED. */
  listenerSpawned(listener: PoolListener): void {
    this.protocol(listener).reset();
  }

  /** The listener became RUNNING (startsecs elapsed): it may now be given events. */
  listenerRunning(): void {
    this.dispatch();
  }

  /** Bytes from a listener's stdout. */
  listenerOutput(listener: PoolListener, chunk: Buffer): void {
    const outcomes = this.protocol(listener).feed(chunk);
    for (const outcome of outcomes) this.handle(listener, outcome);
    // the owner hears of a violation once the pool has logged it and taken the event back
    if (outcomes.some((o) => o.kind === 'violation')) this.options.onProtocolViolation?.(listener);
    this.dispatch();
  }

  /**
   * The listener's stdout ended: it can never answer, so it gets nothing more until it is spawned
   * again, and an event it held goes back to the head of the buffer at once (for another listener
   * of the pool, or this one once restarted). Whether it is exiting or must be restarted is the
   * owner's call: a listener that exits closes its stdout a moment before its exit is seen.
   */
  listenerOutputClosed(listener: PoolListener): void {
    const held = this.takeInFlight(listener);
    this.protocol(listener).outputClosed();
    this.options.logger.debug(`${listener.name}: its stdout closed${held ? ` while BUSY with event ${held.serial}` : ''}`);
    if (held) this.rebuffer(held);
    this.dispatch();
  }

  /** The listener died: an event it held goes back to the head of the buffer. */
  listenerExited(listener: PoolListener): void {
    const held = this.takeInFlight(listener);
    if (held) this.rebuffer(held);
    this.protocol(listener).reset();
    this.dispatch();
  }

  private handle(listener: PoolListener, outcome: ProtocolEvent): void {
    const log = this.options.logger;
    switch (outcome.kind) {
      case 'state':
        log.debug(`${listener.name}: ${outcome.from} -> ${outcome.to}`);
        if (outcome.to === 'UNKNOWN') {
          log.warn(
            `${listener.name}: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol`,
          );
          const held = this.takeInFlight(listener);
          if (held) this.rebuffer(held);
        }
        return;
      case 'bad-result-line':
        log.warn(`${listener.name}: bad result line: '${outcome.line}'`);
        return;
      case 'violation': {
        const hint = outcome.hint === undefined ? '' : ` ${outcome.hint}`;
        log.warn(`${listener.name}: protocol violation ${outcome.code}${hint}; it wrote: ${JSON.stringify(outcome.bytes.subarray(0, 200).toString('utf8'))}`);
        return;
      }
      case 'result': {
        const held = this.takeInFlight(listener);
        if (!held) return;
        let verdict: ResultVerdict;
        try {
          verdict = this.resultHandler(held.event, outcome.body);
        } catch (err) {
          log.warn(`${listener.name}: event caused an error`);
          this.rebuffer(held);
          return;
        }
        if (verdict === 'accepted') {
          done(held);
          this.counters.delivered++;
          log.debug(`${listener.name}: event was processed`);
        } else {
          this.counters.rejected++;
          log.warn(`${listener.name}: event was rejected`);
          this.rebuffer(held);
        }
        return;
      }
    }
  }

  private takeInFlight(listener: PoolListener): Buffered | undefined {
    const held = this.inFlight.get(listener);
    this.inFlight.delete(listener);
    clearTimeout(this.busyTimers.get(listener));
    this.busyTimers.delete(listener);
    return held;
  }

  private armBusyTimer(listener: PoolListener): void {
    const ms = this.options.busyTimeoutMs ?? 0;
    if (ms <= 0) return;
    const timer = setTimeout(() => {
      const held = this.takeInFlight(listener);
      if (!held) return;
      this.options.logger.warn(`${listener.name}: no result for event ${held.serial} within busy_timeout (${ms / 1000} s), restarting it`);
      this.rebuffer(held);
      this.options.onProtocolViolation?.(listener);
    }, ms);
    timer.unref();
    this.busyTimers.set(listener, timer);
  }

  /**
   * The pool goes away (shutdown, its group removed): whatever it still holds is dropped, counted
   * and said in one line (`when` ends it: "at shutdown"), and its spool file removed.
   */
  close(when: string): void {
    const backlog = this.handOver();
    backlog.items.forEach(done);
    const { events, lines } = backlogSize(backlog);
    if (events > 0) {
      this.counters.dropped += events;
      this.counters.droppedLines += lines;
      this.options.logger.error(`pool ${this.name} discarded ${events} events (${lines} output lines) it still held ${when}`);
    }
    backlog.spool?.close();
  }

  /**
   * The run ends with a reload: everything the pool holds, oldest first, for the next run's pool
   * of the same name (adopt). The pool is left empty and its spool file open, now the backlog's.
   */
  handOver(): PoolBacklog {
    for (const timer of this.busyTimers.values()) clearTimeout(timer);
    this.busyTimers.clear();
    // listeners are stopped before the pools go, so this is normally empty; what is there is oldest
    const inFlight = [...this.inFlight.values()].sort((a, b) => a.serial - b.serial);
    this.inFlight.clear();
    const backlog: PoolBacklog = {
      items: [...inFlight, ...this.buffer.splice(0), ...this.takeMemory()],
      spool: this.spool,
      nextPoolserial: this.nextPoolserial,
      subscribed: this.wanted,
    };
    this.spool = undefined;
    return backlog;
  }

  /**
   * Takes over the backlog of the last run's pool of the same name, before any event of this run:
   * its events come first, in order. A spooling pool that takes every type the last one did keeps
   * its spool file as its own (with this pool's cap); otherwise the events are read through this
   * pool's own buffer (a dropping pool drops the oldest past buffer_size, as 4.2.5 would), and those
   * of a type it no longer subscribes to are dropped, counted and said in one line.
   */
  adopt(backlog: PoolBacklog): void {
    this.options.logger.info(`pool ${this.name} takes over ${backlogSize(backlog).events} events held at the reload`);
    this.nextPoolserial = backlog.nextPoolserial;
    const spool = this.spooling();
    if (spool && backlog.spool && [...backlog.subscribed].every((type) => this.wanted.has(type))) {
      this.buffer.push(...backlog.items);
      // nothing was accepted yet, so this pool's own spool file was never made: the carried one replaces it
      backlog.spool.maxBytes = spool.maxBytes;
      this.spool = backlog.spool;
      this.refillFromSpool();
      return;
    }
    const unwanted = { events: 0, lines: 0, types: new Set<string>() };
    const take = (item: Buffered): void => {
      if (!this.wanted.has(item.event.type)) {
        done(item);
        unwanted.events++;
        unwanted.lines += linesIn(item);
        unwanted.types.add(item.event.type);
      } else if (spool) this.acceptSpooling(item, spool);
      else this.acceptDropping(item);
    };
    backlog.items.forEach(take);
    if (backlog.spool) {
      for (let item = this.shiftSpool(backlog.spool); item; item = this.shiftSpool(backlog.spool)) take(item);
      backlog.spool.close();
    }
    if (unwanted.events === 0) return;
    this.counters.dropped += unwanted.events;
    this.counters.droppedLines += unwanted.lines;
    this.options.logger.error(
      `pool ${this.name} no longer subscribes to ${[...unwanted.types].sort().join(', ')}: discarded ${unwanted.events} events (${unwanted.lines} output lines) carried over the reload`,
    );
  }

  private rebuffer(item: Buffered): void {
    this.options.logger.debug(
      `rebuffering event ${item.serial} for pool ${this.name} (buf size=${this.buffer.length}, max=${this.options.bufferSize})`,
    );
    this.buffer.unshift(item);
  }

  /** Strict FIFO: the oldest event to the first RUNNING+READY listener; stop when nobody can take it. */
  private dispatch(): void {
    while (this.buffer.length > 0) {
      const item = this.buffer[0]!;
      const taker = this.listeners.find((l) => l.isRunning() && this.protocol(l).state === 'READY' && this.trySend(l, item));
      if (!taker) return;
      this.buffer.shift();
      this.refillFromSpool();
      if (this.burstDrops > 0 && this.buffer.length < this.options.bufferSize) this.endBurst();
    }
  }

  /** The buffer takes from the memory tier first (older), then from the spool file. */
  private refillFromSpool(): void {
    while (this.buffer.length < this.options.bufferSize && this.memoryLength() > 0) this.buffer.push(this.shiftMemory());
    const spool = this.spool;
    if (!spool) return;
    while (this.buffer.length < this.options.bufferSize) {
      const item = this.shiftSpool(spool);
      if (!item) return;
      this.buffer.push(item);
    }
  }

  private memoryLength(): number {
    return this.memory.length - this.memoryHead;
  }

  private shiftMemory(): Buffered {
    const item = this.memory[this.memoryHead]!;
    this.memory[this.memoryHead++] = undefined as unknown as Buffered;
    this.memoryHeld -= item.payloadBytes;
    // a queue by index (shift() moves every element): compacted once the consumed half dominates
    if (this.memoryHead === this.memory.length) {
      this.memory = [];
      this.memoryHead = 0;
    } else if (this.memoryHead > 1024 && this.memoryHead * 2 > this.memory.length) {
      this.memory = this.memory.slice(this.memoryHead);
      this.memoryHead = 0;
    }
    return item;
  }

  private takeMemory(): Buffered[] {
    const items = this.memory.slice(this.memoryHead);
    this.memory = [];
    this.memoryHead = 0;
    this.memoryHeld = 0;
    return items;
  }

  /** The spool's oldest event; undefined when it is empty or could not be read back (then counted). */
  private shiftSpool(spool: EventSpool): Buffered | undefined {
    try {
      return spool.shift();
    } catch (err) {
      if (!(err instanceof SpoolCorruptError)) throw err;
      // the spool emptied itself: what it held is gone, and said so
      this.countDrops(err.events, err.lines, `pool ${this.name} lost ${err.events} spooled events (${err.lines} output lines): ${err.message}`);
      return undefined;
    }
  }

  private trySend(listener: PoolListener, item: Buffered): boolean {
    const envelope = envelopeOf(
      { server: this.options.identifier, serial: item.serial, pool: this.name, poolserial: item.poolserial },
      item.event.type,
      item.payload,
      item.payloadChars,
    );
    // the write holds the recycled line memory too, until the bytes have left (a listener that
    // answers before reading the whole event must not see the block reused under the write)
    const lease = item.bodyLease;
    lease?.retain();
    if (!listener.send(envelope, lease ? () => lease.release() : undefined)) {
      lease?.release();
      this.options.logger.debug(`epipe occurred while sending event ${item.serial} to listener ${listener.name}, listener state unchanged`);
      return false;
    }
    this.protocol(listener).eventSent();
    this.inFlight.set(listener, item);
    this.armBusyTimer(listener);
    this.options.logger.debug(`event ${item.serial} sent to listener ${listener.name}`);
    return true;
  }

  /** One line per burst with its totals, so the loss can be counted from the log alone. */
  private endBurst(): void {
    const spool = this.spooling();
    const why = spool
      ? `its spool could not take them (buffer_spool_maxbytes=${spool.maxBytes})`
      : `its buffer was full (buffer_size=${this.options.bufferSize})`;
    this.options.logger.error(`pool ${this.name} discarded ${this.burstDrops} events (${this.burstDroppedLines} output lines) while ${why}`);
    this.burstDrops = 0;
    this.burstDroppedLines = 0;
  }

  private protocol(listener: PoolListener): ListenerProtocol {
    let protocol = this.protocols.get(listener);
    if (!protocol) {
      protocol = new ListenerProtocol();
      this.protocols.set(listener, protocol);
    }
    return protocol;
  }
}
