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

/**
 * Every chunk goes to `sink` as is; when the sink's queue is full, reading stops, so the kernel
 * pipe fills and the child blocks on write instead of the daemon buffering without bound. A null
 * sink (NONE) discards the bytes. `push` is the pipe's chunk handler, made before the pipe exists;
 * `attach` gives the pump the stream it resumes and the sink, before the first read can arrive
 * (reads are handled on a later turn of the event loop), and ends the sink when the stream closes.
 */
export class OutputPump {
  private stream: Readable | null = null;
  private sink: OutputSink | null = null;
  private readonly resume = (): void => {
    this.stream?.resume();
  };

  readonly push: ChunkHandler = (chunk) => {
    if (this.sink === null || this.sink.write(chunk)) return true;
    this.sink.once('drain', this.resume);
    return false;
  };

  attach(stream: Readable, sink: OutputSink | null): void {
    this.stream = stream;
    this.sink = sink;
    stream.on('error', () => {
      // a read error on a child's pipe only ends that pipe
    });
    stream.on('close', () => {
      this.sink?.off('drain', this.resume);
      this.sink?.end?.();
    });
  }
}

/** Feeds a stream's 'data' chunks to a handler, pausing it when the handler says so. */
export function readChunks(stream: Readable, handler: ChunkHandler): void {
  stream.on('data', (chunk: Buffer) => {
    if (!handler(chunk)) stream.pause();
  });
}

/** pipe -> sink for an ordinary stream (one that emits 'data'). */
export function pipeToLog(stream: Readable, sink: OutputSink | null): void {
  const pump = new OutputPump();
  pump.attach(stream, sink);
  readChunks(stream, pump.push);
}
