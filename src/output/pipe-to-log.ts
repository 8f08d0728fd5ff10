// Connects one of a child's output pipes to where its bytes go, pausing the pipe while that is behind.
import type { Readable } from 'node:stream';

/** A log file or an output channel: the Writable-like contract the pump needs. */
export interface OutputSink {
  /**
   * Takes a chunk that is valid only during the call (it may be a view of a read buffer that is
   * reused for the next read): whatever the sink keeps, it copies. false = stop sending until 'drain'.
   */
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
  /** told when the pipe has closed, to let go of held bytes */
  end?(): void;
}

/**
 * Receives each chunk read from a child's pipe, valid only during the call. false = stop reading
 * until the stream is resumed.
 */
export type ChunkHandler = (chunk: Buffer) => boolean;

// A child writing many small lines would otherwise be read a few lines at a time: the daemon,
// waiting in epoll, wakes for almost every write(2), and each wake-up costs a read, a log write and
// two context switches (bench scenario 2). When a small chunk follows the previous one within this
// time, reading pauses for it, so the pipe gathers what the child writes meanwhile into one read.
// The cost is at most this much more latency for the output of a chatty child; a child that writes
// now and then is read at once.
export const COALESCE_MS = 1;
/** a chunk this small, read soon after the last one, is worth waiting for more; a larger one is read on at once */
const SMALL_CHUNK_BYTES = 16 * 1024;

/**
 * Every chunk goes to `sink` as is; when the sink's queue is full, reading stops, so the kernel
 * pipe fills and the child blocks on write instead of the daemon buffering without bound. A null
 * sink (NONE) discards the bytes. `push` is the pipe's chunk handler, made before the pipe exists;
 * `attach` gives the pump the stream it resumes and the sink, before the first read can arrive
 * (reads are handled on a later turn of the event loop), and ends the sink when the stream closes.
 */
export class OutputPump {
  /**
   * coalesce: false for an eventlistener's stdout, a request/response protocol: there a quick
   * second read is the next answer, and pausing for it would hold every round trip back by up
   * to COALESCE_MS (about a thousand events a second at most).
   */
  constructor(private readonly coalesce = true) {}

  private stream: Readable | null = null;
  private sink: OutputSink | null = null;
  private onBusy: (() => void) | null = null;
  private lastChunkAt = -Infinity;
  private waitingForDrain = false;
  private gathering: NodeJS.Timeout | null = null;
  private readonly drained = (): void => {
    this.waitingForDrain = false;
    this.resumeWhenFree();
  };
  private readonly gathered = (): void => {
    this.gathering = null;
    this.resumeWhenFree();
  };

  readonly push: ChunkHandler = (chunk) => {
    const now = performance.now();
    // read again this soon: the child writes faster than it is read
    const busy = now - this.lastChunkAt < COALESCE_MS;
    this.lastChunkAt = now;
    if (busy && this.onBusy) {
      this.onBusy();
      this.onBusy = null;
    }
    if (this.sink !== null && !this.sink.write(chunk)) {
      this.waitingForDrain = true;
      this.sink.once('drain', this.drained);
      return false;
    }
    if (!this.coalesce || !busy || chunk.length >= SMALL_CHUNK_BYTES) return true;
    this.gathering = setTimeout(this.gathered, COALESCE_MS);
    return false;
  };

  /** `onBusy` is called once, the first time the child writes faster than it is read (to widen the pipe). */
  attach(stream: Readable, sink: OutputSink | null, onBusy: (() => void) | null = null): void {
    this.stream = stream;
    this.sink = sink;
    this.onBusy = onBusy;
    stream.on('error', () => {
      // a read error on a child's pipe only ends that pipe
    });
    stream.on('close', () => {
      if (this.gathering) clearTimeout(this.gathering);
      this.sink?.off('drain', this.drained);
      this.sink?.end?.();
    });
  }

  private resumeWhenFree(): void {
    if (!this.waitingForDrain && this.gathering === null) this.stream?.resume();
  }
}

/** Feeds a stream's 'data' chunks to a handler, pausing it when the handler says so. */
export function readChunks(stream: Readable, handler: ChunkHandler): void {
  stream.on('data', (chunk: Buffer) => {
    if (!handler(chunk)) stream.pause();
  });
}
