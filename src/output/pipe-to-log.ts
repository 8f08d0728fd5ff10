// Connects one of a child's output pipes to its log file, pausing the pipe while the file is behind.
import type { Readable } from 'node:stream';
import type { ChildLogFile } from './child-log-file.js';

/**
 * Every chunk goes to `file` as is; when the file's queue is full the stream is paused, so the
 * kernel pipe fills and the child blocks on write instead of the daemon buffering without bound.
 * A null file (NONE) discards the bytes. Ends by itself when the pipe closes.
 */
export function pipeToLog(stream: Readable, file: ChildLogFile | null): void {
  stream.on('error', () => {
    // a read error on a child's pipe only ends that pipe
  });
  if (file === null) {
    stream.resume();
    return;
  }
  const resume = (): void => {
    stream.resume();
  };
  stream.on('data', (chunk: Buffer) => {
    if (!file.write(chunk)) {
      stream.pause();
      file.once('drain', resume);
    }
  });
  stream.on('close', () => file.off('drain', resume));
}
