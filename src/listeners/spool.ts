// Overflow of a never-drop pool: events past buffer_size are appended to a file in order and read
// back as the buffer drains, so a slow listener costs disk, never an event, and never stalls a
// child's output. Records are length-prefixed JSON; the file is emptied whenever it drains.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SupervisorEvent } from '../events/types.js';

export interface SpooledItem {
  event: SupervisorEvent;
  serial: number;
  poolserial: number;
}

export class SpoolFullError extends Error {
  readonly code = 'SUP_ERR_SPOOL_FULL';
}

const LENGTH_BYTES = 4;

/**
 * buffer_spool_maxbytes when unset (docs/decisions/0004): a firehose of a million 100-byte lines
 * (about 100 MiB spooled) fits with room to spare, yet a listener that stays down cannot fill the
 * disk, or RAM where childlogdir is a tmpfs (/tmp, the default childlogdir, often is).
 */
export const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

/**
 * `<dir>/<pool>-events---<identifier>-<random>.spool`: the random part keeps two daemons that
 * share a childlogdir and an identifier (/tmp and "supervisor" by default) out of each other's
 * spool, as 4.2.5's mkstemp names keep their AUTO logs apart.
 */
export function spoolPath(dir: string, poolName: string, identifier: string): string {
  return path.join(dir, `${poolName}-events---${identifier}-${crypto.randomBytes(6).toString('hex')}.spool`);
}

/** Spools a crashed run left behind (a clean close removes its own), as AUTO logs are cleared at startup. */
export function removeStaleSpools(dir: string, identifier: string, warn: (message: string) => void): void {
  const suffix = `---${identifier}-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // the AUTO log cleanup warns about an unreadable childlogdir
  }
  for (const name of names) {
    const at = name.lastIndexOf(suffix);
    if (at < 0 || !name.slice(0, at).endsWith('-events') || !/^[0-9a-f]{12}\.spool$/.test(name.slice(at + suffix.length))) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
    } catch {
      warn(`Failed to clean up '${path.join(dir, name)}'`);
    }
  }
}

export class EventSpool {
  private fd: number | null = null;
  private writeOffset = 0;
  private readOffset = 0;
  private count = 0;

  /** maxBytes 0 = bounded only by the disk */
  constructor(
    readonly path: string,
    readonly maxBytes = 0,
  ) {}

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.writeOffset - this.readOffset;
  }

  /** Throws SpoolFullError past maxBytes, or the write error (ENOSPC...): the caller counts a drop. */
  push(item: SpooledItem): void {
    const json = Buffer.from(JSON.stringify(item, replacer));
    if (this.maxBytes > 0 && this.bytes + json.length + LENGTH_BYTES > this.maxBytes) {
      throw new SpoolFullError(`spool ${this.path} is full (${this.maxBytes} bytes)`);
    }
    const record = Buffer.allocUnsafe(LENGTH_BYTES + json.length);
    record.writeUInt32BE(json.length, 0);
    json.copy(record, LENGTH_BYTES);
    const fd = this.open();
    fs.writeSync(fd, record, 0, record.length, this.writeOffset);
    this.writeOffset += record.length;
    this.count++;
  }

  shift(): SpooledItem | undefined {
    if (this.count === 0 || this.fd === null) return undefined;
    const head = Buffer.alloc(LENGTH_BYTES);
    fs.readSync(this.fd, head, 0, LENGTH_BYTES, this.readOffset);
    const length = head.readUInt32BE(0);
    const json = Buffer.alloc(length);
    fs.readSync(this.fd, json, 0, length, this.readOffset + LENGTH_BYTES);
    this.readOffset += LENGTH_BYTES + length;
    this.count--;
    if (this.count === 0) this.reset();
    return JSON.parse(json.toString(), reviver) as SpooledItem;
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    fs.rmSync(this.path, { force: true });
    this.count = 0;
    this.readOffset = this.writeOffset = 0;
  }

  private open(): number {
    // never into a file that is already there: it belongs to someone else
    if (this.fd === null) this.fd = fs.openSync(this.path, 'wx+', 0o600);
    return this.fd;
  }

  private reset(): void {
    fs.ftruncateSync(this.fd!, 0);
    this.readOffset = this.writeOffset = 0;
  }
}

// Buffers (process output) survive the JSON round trip as base64.
function replacer(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return { $buffer: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as { $buffer?: unknown }).$buffer === 'string') {
    return Buffer.from((value as { $buffer: string }).$buffer, 'base64');
  }
  return value;
}
