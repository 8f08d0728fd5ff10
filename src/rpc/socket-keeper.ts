// Keeps a [unix_http_server] socket file where clients look for it. 4.2.5 just becomes unreachable
// when the file is removed under it (a tmp cleaner, an `rm -rf /var/run/...`): supervisorctl then
// says "no such file" although the daemon runs. We watch the socket's directory and bind a new
// socket at the same path when ours disappears; SIGUSR2 checks again (the directory itself may have
// been removed and made again, which ends the watch).
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';

// How long after the file's removal it is bound again.
const SETTLE_MS = 250;

export interface SocketKeeperOptions {
  file: string;
  logger: Logger;
  /** binds a new socket at `file` (same mode and owner as the first), serving the same requests */
  rebind: () => Promise<http.Server>;
  /** the new server replaces the old one; the old one stops listening, its connections finish */
  replaced: (server: http.Server) => void;
}

export class SocketKeeper {
  private inode: number;
  private watcher: fs.FSWatcher | null = null;
  private settle: NodeJS.Timeout | undefined;
  private checking: Promise<void> | null = null;
  private recheck = false;
  private closed = false;
  /** a file we did not make sits at the path: said once, left alone */
  private foreignSaid = false;
  /** binding again failed: said once until it works */
  private failureSaid = false;

  constructor(private readonly options: SocketKeeperOptions) {
    this.inode = inodeOf(options.file) ?? 0;
    this.watch();
  }

  /**
   * Watch the directory afresh (it may have been replaced: the old watch follows the old one) and
   * bind the socket again if its file is gone; resolves when done (or failed, logged).
   */
  restore(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.watcher?.close();
    this.watch();
    return this.check();
  }

  private check(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.checking) {
      this.recheck = true;
      return this.checking;
    }
    this.checking = this.restoreIfGone().finally(() => {
      this.checking = null;
      if (this.recheck) {
        this.recheck = false;
        void this.check();
      }
    });
    return this.checking;
  }

  /** Stop watching and remove the socket file, unless it is no longer ours. */
  close(): void {
    this.closed = true;
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = null;
    if (inodeOf(this.options.file) === this.inode) fs.rmSync(this.options.file, { force: true });
  }

  private watch(): void {
    const { file } = this.options;
    const name = path.basename(file);
    try {
      this.watcher = fs.watch(path.dirname(file), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name) return;
        // a moment for whoever removed it: an `rm -rf` of the whole directory then finishes
        // instead of failing on a socket brought back into the directory it is deleting
        clearTimeout(this.settle);
        this.settle = setTimeout(() => void this.check(), SETTLE_MS);
        this.settle.unref();
      });
      this.watcher.on('error', () => {
        // the directory went away: SIGUSR2 (or a reload) watches again once it is back
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null;
    }
  }

  private async restoreIfGone(): Promise<void> {
    const { file, logger } = this.options;
    const current = inodeOf(file);
    if (current === this.inode) return;
    if (current !== null) {
      if (!this.foreignSaid) logger.warn(`unix socket ${file} was replaced by a file supervisord did not make: left alone, clients reach this supervisord only over its other servers`);
      this.foreignSaid = true;
      return;
    }
    if (this.closed) return;
    let server: http.Server;
    try {
      server = await this.options.rebind();
    } catch (err) {
      if (!this.failureSaid) logger.error(`unix socket ${file} was removed and cannot be made again: ${(err as Error).message}; send SIGUSR2 or reload once its directory is back`);
      this.failureSaid = true;
      return;
    }
    if (this.closed) {
      server.close();
      return;
    }
    this.inode = inodeOf(file) ?? 0;
    this.foreignSaid = false;
    this.failureSaid = false;
    this.options.replaced(server);
    logger.warn(`unix socket ${file} was removed: listening on a new one at the same path`);
  }
}

function inodeOf(file: string): number | null {
  try {
    return fs.lstatSync(file).ino;
  } catch {
    return null;
  }
}
