// Overflow of a never-drop pool: events past buffer_size are appended to a file in order and read
// back as the buffer drains, so a slow listener costs disk, never an event, and never stalls a
// child's output. Each record is a header (lengths, checksum), the event's fields as JSON (without
// a PROCESS_LOG event's lines) and its payload bytes as the listener reads them, so output is
// neither turned into JSON nor rendered again; a record counts as spooled only once every byte of
// it is written, and one that does not read back whole and intact is never taken for an event.
// The file is emptied whenever it drains.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { SupervisorEvent } from '../events/types.js';
import { lineBodyBlocks } from '../output/body-blocks.js';
import { compactEvent, toWireEvent, withoutLines, type WireEvent } from './wire-event.js';

/** What a pool queues: an event with its serials (its payload is rendered when it is spooled). */
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

// u32 length of the fields' JSON, u32 length of the payload, then a 4-byte check of both: their
// CRC-32 (zlib's, native: 3 times faster than SHA-256 here, 0.07 against 0.2 ms per 256 KiB
// record, and it catches what a disk or a stray writer does to a file that only this process
// reads back); SHA-256's first 4 bytes on a Node older than 20.15, which has no zlib.crc32. The
// file never outlives the daemon that wrote it, so the two never meet.
const LENGTH_BYTES = 4;
const CHECK_BYTES = 4;
const CHECK_AT = 2 * LENGTH_BYTES;
const HEADER_BYTES = CHECK_AT + CHECK_BYTES;

const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

function checkOf(fields: Buffer, payload: readonly Buffer[]): Buffer {
  if (!crc32) {
    const hash = crypto.createHash('sha256').update(fields);
    for (const part of payload) hash.update(part);
    return hash.digest().subarray(0, CHECK_BYTES);
  }
  let crc = crc32(fields);
  for (const part of payload) crc = crc32(part, crc);
  const check = Buffer.allocUnsafe(CHECK_BYTES);
  check.writeUInt32BE(crc >>> 0);
  return check;
}

/** A record's JSON part: the serials, the payload's length in characters, and the event but its lines. */
interface RecordFields {
  serial: number;
  poolserial: number;
  payloadChars: number;
  lineCount: number;
  event: Record<string, unknown>;
}

// the default lives with the other pool settings, which the config reader (and supervisorctl) loads
// without this module and its zlib
export { DEFAULT_SPOOL_MAX_BYTES } from './pool-settings.js';

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
  push(item: WireEvent | SpooledItem): void {
    const wire = 'payload' in item ? item : toWireEvent(item);
    const event = wire.event;
    const isLog = event.type === 'PROCESS_LOG_STDOUT' || event.type === 'PROCESS_LOG_STDERR';
    const fields: RecordFields = {
      serial: wire.serial,
      poolserial: wire.poolserial,
      payloadChars: wire.payloadChars,
      lineCount: wire.lineCount,
      event: isLog ? withoutLines(event) : (event as unknown as Record<string, unknown>),
    };
    const json = Buffer.from(JSON.stringify(fields, replacer));
    const size = HEADER_BYTES + json.length + wire.payloadBytes;
    if (this.maxBytes > 0 && this.bytes + size > this.maxBytes) {
      throw new SpoolFullError(`spool ${this.path} is full (${this.maxBytes} bytes)`);
    }
    const head = Buffer.allocUnsafe(HEADER_BYTES + json.length);
    head.writeUInt32BE(json.length, 0);
    head.writeUInt32BE(wire.payloadBytes, LENGTH_BYTES);
    checkOf(json, wire.payload).copy(head, CHECK_AT);
    json.copy(head, HEADER_BYTES);
    const fd = this.open();
    try {
      // a full disk takes part of a write and refuses the rest: a short write is not the record
      const parts = [head, ...wire.payload];
      let at = this.writeOffset;
      for (const part of parts) {
        for (let done = 0; done < part.length; ) {
          const n = fs.writeSync(fd, part, done, part.length - done, at);
          done += n;
          at += n;
        }
      }
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
    this.writeOffset += size;
    this.count++;
    this.heldLines += wire.lineCount;
  }

  /**
   * The oldest event; throws SpoolCorruptError (and empties the spool) when it cannot be read back
   * whole. Its bodyLease, when not null, is the caller's hold on recycled memory: released when done.
   */
  shift(): WireEvent | undefined {
    if (this.count === 0 || this.fd === null) return undefined;
    let item: WireEvent;
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
    this.heldLines -= item.lineCount;
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
  private readRecord(fd: number): WireEvent {
    const available = this.writeOffset - this.readOffset;
    const head = Buffer.alloc(HEADER_BYTES);
    if (available < HEADER_BYTES || fs.readSync(fd, head, 0, HEADER_BYTES, this.readOffset) !== HEADER_BYTES) {
      throw new Error('its record header is cut short');
    }
    const jsonLength = head.readUInt32BE(0);
    const payloadLength = head.readUInt32BE(LENGTH_BYTES);
    const length = jsonLength + payloadLength;
    // a damaged length must not make us allocate what it says: never more than was written
    if (length > available - HEADER_BYTES) throw new Error(`its record claims ${length} bytes where ${available - HEADER_BYTES} were written`);
    // one read for both parts; the payload is a view of it, kept as long as the event waits, in
    // recycled memory where it is large (the taker's hold is the lease's first reference)
    const taken = lineBodyBlocks.take(length);
    const body = taken ? taken.body : Buffer.allocUnsafe(length);
    let fields: RecordFields;
    let payload: Buffer[];
    try {
      if (fs.readSync(fd, body, 0, length, this.readOffset + HEADER_BYTES) !== length) throw new Error('its record is cut short');
      const json = body.subarray(0, jsonLength);
      payload = [body.subarray(jsonLength)];
      if (!checkOf(json, payload).equals(head.subarray(CHECK_AT))) throw new Error('its record fails its checksum');
      fields = JSON.parse(json.toString(), reviver) as RecordFields;
    } catch (err) {
      taken?.lease.release();
      throw err;
    }
    this.readOffset += HEADER_BYTES + length;
    const lease = taken?.lease ?? null;
    const event = compactEvent(fields.event as unknown as SupervisorEvent, payload, lease);
    return {
      event,
      serial: fields.serial,
      poolserial: fields.poolserial,
      payload,
      payloadBytes: payloadLength,
      payloadChars: fields.payloadChars,
      lineCount: fields.lineCount,
      bodyLease: lease,
    };
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
