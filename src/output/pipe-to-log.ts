// Connects one of a child's output pipes to where its bytes go, pausing the pipe while that is behind.
import type { Readable } from 'node:stream';

/** A log file or an output channel: the Writable-like contract pipeToLog needs. */
export interface OutputSink {
  /** false = stop sending until 'drain' */
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
  /** told when the pipe has closed, to let go of held bytes */
  end?(): void;
}

/**
 * Every chunk goes to `sink` as is; when the sink's queue is full the stream is paused, so the
 * kernel pipe fills and the child blocks on write instead of the daemon buffering without bound.
 * A null sink (NONE) discards the bytes. Ends by itself when the pipe closes.
 */
export function pipeToLog(stream: Readable, sink: OutputSink | null): void {
  stream.on('error', () => {
    // a read error on a child's pipe only ends that pipe
  });
  if (sink === null) {
    stream.resume();
    return;
  }
  const resume = (): void => {
    stream.resume();
  };
  stream.on('data', (chunk: Buffer) => {
    if (!sink.write(chunk)) {
      stream.pause();
      sink.once('drain', resume);
    }
  });
  stream.on('close', () => {
    sink.off('drain', resume);
    sink.end?.();
  });
}
