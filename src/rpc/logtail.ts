// /logtail/<namespec>[/<channel>] and /mainlogtail (rpc.md 9): the last 1024 bytes, then every
// growth of the file as it happens; a truncated file is announced. The response never ends by
// itself; the client closes it.
//
// Rotation: 4.2.5 (and we, before issue 21) reopened the path when its inode changed and lost the
// end of the old file written since the last poll. Here the follower keeps the descriptor of the file
// it reads, and opens each new file the writer starts (told synchronously, new-file-events.ts, or
// seen by a poll): it finishes the old file to its end, then goes on with the next, in order.
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { onNewLogFile } from '../output/new-file-events.js';

/** Bytes sent before following. */
export const TAIL_START_BYTES = 1024;
/** How often the file is checked for growth, as 4.2.5's loop does. */
export const TAIL_POLL_MS = 100;
/** Most bytes sent per poll, so one huge write cannot hold the event loop. */
export const TAIL_MAX_CHUNK_BYTES = 1024 * 1024;
/**
 * Most files one follower holds open: the one it reads and those rotated in after it. A reader
 * that falls further behind skips the oldest ones not yet started, and is told so.
 */
export const TAIL_MAX_OPEN_FILES = 8;

const TRUNCATED = '==> File truncated <==\n';

interface FollowedFile {
  fd: number;
  ino: number;
  offset: number;
  /** files rotated in before this one and dropped unread because the reader fell behind */
  skippedBefore: number;
}

/** Stream `path` to `res` until the client goes away. The caller checked that the file exists. */
export function followFile(path: string, res: ServerResponse, headers: Record<string, string>): void {
  const now = new Date().toUTCString();
  res.writeHead(200, { 'Last-Modified': now, 'Content-Type': 'text/plain;charset=utf-8', ...headers });
  // Node sends the head with the first body bytes: of an empty log that would be never
  res.flushHeaders();
  // oldest first: [0] is being read, the last is the file now at `path`
  const files: FollowedFile[] = [];
  let busy = false;
  let ended = false;
  /** the last byte sent, so that a notice starts on a line of its own */
  let lastSent = 0x0a;

  const open = (fromEnd: boolean): void => {
    // at the cap, first let go of the oldest file not started (the one being read may be inside a
    // line): closed before the new one is opened, so the reader never holds more than the cap
    let skipped = 0;
    if (files.length >= TAIL_MAX_OPEN_FILES) {
      const [dropped] = files.splice(1, 1) as [FollowedFile];
      fs.closeSync(dropped.fd);
      skipped = dropped.skippedBefore + 1;
    }
    const fd = fs.openSync(path, 'r');
    const stat = fs.fstatSync(fd);
    files.push({ fd, ino: stat.ino, offset: fromEnd ? Math.max(0, stat.size - TAIL_START_BYTES) : 0, skippedBefore: 0 });
    if (skipped > 0) (files[1] as FollowedFile).skippedBefore += skipped;
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    stopListening();
    for (const file of files.splice(0)) fs.closeSync(file.fd);
  };
  /** A new file at `path` (rotated or recreated): open it now, before the writer fills it. */
  const track = (): void => {
    if (ended) return;
    try {
      let current: fs.Stats;
      try {
        current = fs.statSync(path);
      } catch {
        return; // moved away and not yet recreated: wait for it
      }
      if (current.ino !== files.at(-1)?.ino) open(false);
    } catch {
      res.destroy();
      end();
    }
  };
  const poll = (): void => {
    if (ended) return;
    track();
    // a slow reader: wait until what was sent drained instead of buffering without bound
    if (busy || ended || res.destroyed || res.writableNeedDrain) return;
    busy = true;
    try {
      let budget = TAIL_MAX_CHUNK_BYTES;
      for (let file = files[0]; file !== undefined && budget > 0 && !res.writableNeedDrain; file = files[0]) {
        const newest = files.length === 1;
        const size = fs.fstatSync(file.fd).size;
        if (newest && size < file.offset) {
          file.offset = 0;
          res.write(TRUNCATED);
          lastSent = 0x0a;
        }
        if (size > file.offset) {
          const buffer = Buffer.allocUnsafe(Math.min(size - file.offset, budget));
          const n = fs.readSync(file.fd, buffer, 0, buffer.length, file.offset);
          file.offset += n;
          budget -= n;
          if (n > 0) {
            res.write(buffer.subarray(0, n));
            lastSent = buffer[n - 1] as number;
            continue;
          }
        }
        // at the end of a file that was rotated away: the writer left it for the next one
        if (newest) break;
        fs.closeSync(file.fd);
        files.shift();
        const next = files[0] as FollowedFile;
        if (next.skippedBefore > 0) {
          // on a line of its own: the file it leaves may end inside a line
          const cut = lastSent !== 0x0a ? '\n' : '';
          res.write(`${cut}==> ${next.skippedBefore} rotated file(s) skipped: this reader fell behind <==\n`);
          lastSent = 0x0a;
        }
      }
    } catch {
      res.destroy();
      end();
    } finally {
      busy = false;
    }
  };

  open(true);
  const stopListening = onNewLogFile(path, track);
  const timer = setInterval(poll, TAIL_POLL_MS);
  res.on('close', end);
  poll();
}
