// Ordered writes of whole lines to a file descriptor off the event loop: each write() is at
// most PIPE_BUF bytes cut at a newline, so on a pipe no other writer (the main log, another
// plugin) can land inside a line.
import fs from 'node:fs';

const PIPE_BUF = 4096;

export class LineWriter {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly fd: number) {}

  /** Queue `text` (whole lines, each ending in \n); resolves when it is written. */
  write(text: string): Promise<void> {
    const buffer = Buffer.from(text);
    this.tail = this.tail.then(() => writeAll(this.fd, buffer));
    return this.tail;
  }
}

async function writeAll(fd: number, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    let end = Math.min(buffer.length, offset + PIPE_BUF);
    if (end < buffer.length) {
      const newline = buffer.lastIndexOf(0x0a, end - 1);
      // a single line longer than PIPE_BUF cannot be atomic: write it whole anyway
      end = newline >= offset ? newline + 1 : buffer.indexOf(0x0a, end) + 1 || buffer.length;
    }
    offset += await writeSome(fd, buffer.subarray(offset, end));
  }
}

function writeSome(fd: number, chunk: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, chunk, (err, written) => {
      if (!err) return resolve(written);
      // a non-blocking pipe that is full: try again shortly
      if (err.code === 'EAGAIN') return void setTimeout(() => writeSome(fd, chunk).then(resolve, reject), 2);
      reject(err);
    });
  });
}
