// Overflow of a never-drop pool: events past buffer_size are appended to a file in order and read
// back as the buffer drains, so a slow listener costs disk, never an event, and never stalls a
// child's output. Each record is a header (length, checksum) and the event's JSON; a record counts
// as spooled only once every byte of it is written, and one that does not read back whole and
// intact is never taken for an event. The file is emptied whenever it drains.
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

/**
 * The spool could not be read back (a disk error, or the file changed under us): the records from
 * here on have no trustworthy framing, so all of them are lost; `events` and `lines` say how many,
 * for the pool to count as dropped.
 */
export class SpoolCorruptError extends Error {
  readonly code = 'SUP_ERR_SPOOL_CORRUPT';
  constructor(
    message: string,
    readonly events: number,
    readonly lines: number,
  ) {
    super(message);
  }
}

// u32 length of the JSON, then the first 4 bytes of its SHA-256
const LENGTH_BYTES = 4;
const CHECK_BYTES = 4;
const HEADER_BYTES = LENGTH_BYTES + CHECK_BYTES;

function checkOf(json: Buffer): Buffer {
  return crypto.createHash('sha256').update(json).digest().subarray(0, CHECK_BYTES);
}

function linesOf(item: SpooledItem): number {
  return 'lines' in item.event ? item.event.lines.length : 0;
}

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

/**
 * Spools a crashed run left behind (a clean close removes its own), as AUTO logs are cleared at
 * startup; `keep` are the spools the last run handed over at a reload.
 */
export function removeStaleSpools(dir: string, identifier: string, warn: (message: string) => void, keep: ReadonlySet<string> = new Set()): void {
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
    if (keep.has(path.join(dir, name))) continue;
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
  /** output lines inside the records still held, so a loss can say how many lines went with it */
  private heldLines = 0;

  /** maxBytes 0 = bounded only by the disk; a pool that takes the spool over at a reload sets its own */
  constructor(
    readonly path: string,
    public maxBytes = 0,
  ) {}

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.writeOffset - this.readOffset;
  }

  /** output lines inside the events still held */
  get lines(): number {
    return this.heldLines;
  }

  /**
   * Throws SpoolFullError past maxBytes, or the error that stopped the write (ENOSPC...): the
   * caller counts a drop. Nothing is counted as spooled unless all of its record was written.
   */
  push(item: SpooledItem): void {
    const json = Buffer.from(JSON.stringify(item, replacer));
    if (this.maxBytes > 0 && this.bytes + json.length + HEADER_BYTES > this.maxBytes) {
      throw new SpoolFullError(`spool ${this.path} is full (${this.maxBytes} bytes)`);
    }
    const record = Buffer.allocUnsafe(HEADER_BYTES + json.length);
    record.writeUInt32BE(json.length, 0);
    checkOf(json).copy(record, LENGTH_BYTES);
    json.copy(record, HEADER_BYTES);
    const fd = this.open();
    try {
      // a full disk takes part of a write and refuses the rest: a short write is not the record
      for (let done = 0; done < record.length; ) done += fs.writeSync(fd, record, done, record.length - done, this.writeOffset + done);
    } catch (err) {
      // the torn tail would be overwritten by the next record anyway; giving its blocks back now
      // lets that record fit sooner
      try {
        fs.ftruncateSync(fd, this.writeOffset);
      } catch {
        // the write error is the one to report
      }
      throw err;
    }
    this.writeOffset += record.length;
    this.count++;
    this.heldLines += linesOf(item);
  }

  /** The oldest event; throws SpoolCorruptError (and empties the spool) when it cannot be read back whole. */
  shift(): SpooledItem | undefined {
    if (this.count === 0 || this.fd === null) return undefined;
    let item: SpooledItem;
    try {
      item = this.readRecord(this.fd);
    } catch (err) {
      const lost = new SpoolCorruptError(
        `spool ${this.path} cannot be read back at byte ${this.readOffset}: ${(err as Error).message}`,
        this.count,
        this.heldLines,
      );
      this.reset();
      throw lost;
    }
    this.count--;
    this.heldLines -= linesOf(item);
    if (this.count === 0) this.reset();
    return item;
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    fs.rmSync(this.path, { force: true });
    this.count = this.heldLines = 0;
    this.readOffset = this.writeOffset = 0;
  }

  /** One record at readOffset, checked: its length within what was written, all of it read, its checksum. */
  private readRecord(fd: number): SpooledItem {
    const available = this.writeOffset - this.readOffset;
    const head = Buffer.alloc(HEADER_BYTES);
    if (available < HEADER_BYTES || fs.readSync(fd, head, 0, HEADER_BYTES, this.readOffset) !== HEADER_BYTES) {
      throw new Error('its record header is cut short');
    }
    const length = head.readUInt32BE(0);
    // a damaged length must not make us allocate what it says: never more than was written
    if (length > available - HEADER_BYTES) throw new Error(`its record claims ${length} bytes where ${available - HEADER_BYTES} were written`);
    const json = Buffer.alloc(length);
    if (fs.readSync(fd, json, 0, length, this.readOffset + HEADER_BYTES) !== length) throw new Error('its record is cut short');
    if (!checkOf(json).equals(head.subarray(LENGTH_BYTES))) throw new Error('its record fails its checksum');
    const item = JSON.parse(json.toString(), reviver) as SpooledItem;
    this.readOffset += HEADER_BYTES + length;
    return item;
  }

  private open(): number {
    // never into a file that is already there: it belongs to someone else
    if (this.fd === null) this.fd = fs.openSync(this.path, 'wx+', 0o600);
    return this.fd;
  }

  /** Empty: the next record goes at the start of the file again. */
  private reset(): void {
    this.count = this.heldLines = 0;
    this.readOffset = this.writeOffset = 0;
    try {
      fs.ftruncateSync(this.fd!, 0);
    } catch {
      // only disk space is at stake: reads never go past writeOffset, so old bytes are never read
    }
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
