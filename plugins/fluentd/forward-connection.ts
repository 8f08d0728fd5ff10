// One connection to a Fluentd forward input: sends chunks as PackedForward messages, several in
// flight at once, and reports each one delivered (acknowledged with ack, written without). A lost
// connection, or an acknowledgement later than ack_timeout, hands every chunk in flight back (in
// the order sent) and connects again after a delay that doubles up to reconnect_max_delay.
import crypto from 'node:crypto';
import net from 'node:net';
import { decodeMultiStream } from '@msgpack/msgpack';
import { packedForwardFrame } from './entries.js';

const FIRST_RETRY_MS = 100;

export interface Outgoing {
  tag: string;
  parts: readonly Buffer[];
  entries: number;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  ack: boolean;
  ackTimeoutMs: number;
  reconnectMaxDelayMs: number;
}

export interface ConnectionEvents<T> {
  /** connected: send() is accepted */
  ready(): void;
  delivered(item: T): void;
  /** the connection failed or broke: `items` were not delivered (oldest first) */
  lost(items: T[], reason: string): void;
}

export class ForwardConnection<T extends Outgoing> {
  private socket: net.Socket | null = null;
  private connected = false;
  private closed = false;
  private retryDelay = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** in send order: by chunk id with ack, by a counter without */
  private inFlight = new Map<string, { item: T; timer?: NodeJS.Timeout }>();
  private sent = 0;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents<T>,
  ) {
    this.connect();
  }

  get ready(): boolean {
    return this.connected && !this.closed;
  }

  send(item: T): void {
    const socket = this.socket!;
    const bytes = item.parts.reduce((sum, p) => sum + p.length, 0);
    const id = this.options.ack ? crypto.randomBytes(16).toString('base64') : String(this.sent++);
    const { head, option } = packedForwardFrame(item.tag, bytes, item.entries, this.options.ack ? id : null);
    const entry: { item: T; timer?: NodeJS.Timeout } = { item };
    this.inFlight.set(id, entry);
    if (this.options.ack) {
      entry.timer = setTimeout(() => this.fail(socket, `no acknowledgement within ${this.options.ackTimeoutMs / 1000}s`), this.options.ackTimeoutMs);
    }
    socket.cork();
    socket.write(head);
    for (const part of item.parts) socket.write(part);
    // without ack, written to the kernel is as far as the protocol tells
    socket.write(option, this.options.ack ? undefined : (err) => (err ? undefined : this.settle(id)));
    socket.uncork();
  }

  /** Stops for good: ends the connection once what was written is flushed, and never connects again. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (socket === null || socket.destroyed) return;
    await new Promise<void>((resolve) => socket.end(resolve));
    socket.destroy();
  }

  /** Stops at once; what is in flight is given back through lost(). */
  destroy(reason: string): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.socket !== null) this.fail(this.socket, reason);
  }

  private connect(): void {
    if (this.closed) return;
    const socket = net.connect({ host: this.options.host, port: this.options.port });
    this.socket = socket;
    socket.setNoDelay(true);
    // a host that drops the SYN would otherwise hold the attempt for the kernel's minutes
    socket.setTimeout(this.options.ackTimeoutMs, () => this.fail(socket, `no connection within ${this.options.ackTimeoutMs / 1000}s`));
    socket.on('connect', () => {
      socket.setTimeout(0);
      this.connected = true;
      this.events.ready();
    });
    socket.on('error', (err) => this.fail(socket, err.message));
    socket.on('close', () => this.fail(socket, 'connection closed by the receiver'));
    void this.readAcks(socket);
  }

  private async readAcks(socket: net.Socket): Promise<void> {
    try {
      for await (const message of decodeMultiStream(socket)) {
        const chunk = (message as { ack?: unknown } | null)?.ack;
        if (typeof chunk === 'string') this.settle(chunk);
      }
    } catch (err) {
      // a broken connection ends the stream; anything else is a receiver we do not understand
      if (!socket.destroyed) this.fail(socket, `unreadable answer (${(err as Error).message})`);
    }
  }

  private settle(id: string): void {
    const entry = this.inFlight.get(id);
    if (entry === undefined) return; // resent on another connection since
    clearTimeout(entry.timer);
    this.inFlight.delete(id);
    // the delay starts over once a connection delivers, not when it opens: a receiver that
    // accepts and hangs up at once is tried again ever less often
    this.retryDelay = FIRST_RETRY_MS;
    this.events.delivered(entry.item);
  }

  private fail(socket: net.Socket, reason: string): void {
    // the first failure of a connection counts; its later echoes (error, then close) do not
    if (socket !== this.socket) return;
    this.socket = null;
    this.connected = false;
    socket.destroy();
    const items = [...this.inFlight.values()].map((entry) => {
      clearTimeout(entry.timer);
      return entry.item;
    });
    this.inFlight.clear();
    this.events.lost(items, reason);
    if (this.closed) return;
    this.retryTimer = setTimeout(() => this.connect(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.reconnectMaxDelayMs);
  }
}
