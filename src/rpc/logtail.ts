// /logtail/<namespec>[/<channel>] and /mainlogtail (rpc.md 9): the last 1024 bytes, then every
// growth of the file as it happens; a rotated file is followed from its start, a truncated one
// announced. The response never ends by itself; the client closes it.
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';

/** Bytes sent before following. */
export const TAIL_START_BYTES = 1024;
/** How often the file is checked for growth, as 4.2.5's loop does. */
export const TAIL_POLL_MS = 100;
/** Most bytes sent per poll, so one huge write cannot hold the event loop. */
export const TAIL_MAX_CHUNK_BYTES = 1024 * 1024;

const TRUNCATED = '==> File truncated <==\n';

/** Stream `path` to `res` until the client goes away. The caller checked that the file exists. */
export function followFile(path: string, res: ServerResponse, headers: Record<string, string>): void {
  const now = new Date().toUTCString();
  res.writeHead(200, { 'Last-Modified': now, 'Content-Type': 'text/plain;charset=utf-8', ...headers });
  // Node sends the head with the first body bytes: of an empty log that would be never
  res.flushHeaders();
  let fd: number | null = null;
  let inode = 0;
  let offset = 0;
  let busy = false;

  const open = (fromEnd: boolean): void => {
    fd = fs.openSync(path, 'r');
    const stat = fs.fstatSync(fd);
    inode = stat.ino;
    offset = fromEnd ? Math.max(0, stat.size - TAIL_START_BYTES) : 0;
  };
  const closeFd = (): void => {
    if (fd !== null) fs.closeSync(fd);
    fd = null;
  };
  const poll = (): void => {
    // a slow reader: wait until what was sent drained instead of buffering without bound
    if (busy || res.destroyed || res.writableNeedDrain) return;
    busy = true;
    try {
      let current: fs.Stats | null = null;
      try {
        current = fs.statSync(path);
      } catch {
        // rotated away and not yet recreated: wait for it
      }
      if (current !== null && (fd === null || current.ino !== inode)) {
        closeFd();
        open(false);
      }
      if (fd === null) return;
      const size = fs.fstatSync(fd).size;
      if (size < offset) {
        offset = 0;
        res.write(TRUNCATED);
      }
      if (size > offset) {
        const length = Math.min(size - offset, TAIL_MAX_CHUNK_BYTES);
        const buffer = Buffer.allocUnsafe(length);
        const n = fs.readSync(fd, buffer, 0, length, offset);
        offset += n;
        if (n > 0) res.write(buffer.subarray(0, n));
      }
    } catch {
      res.destroy();
    } finally {
      busy = false;
    }
  };

  open(true);
  poll();
  const timer = setInterval(poll, TAIL_POLL_MS);
  res.on('close', () => {
    clearInterval(timer);
    closeFd();
  });
}
