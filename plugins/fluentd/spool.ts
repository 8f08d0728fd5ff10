// Where chunks of entries wait on disk: what does not fit in memory, and what was not acknowledged
// when supervisord stopped. Segment files in the plugin's state directory, appended in order and
// read back oldest first; a record is flagged delivered in place once acknowledged, and a segment
// whose records are all delivered is deleted. What an earlier run left (stopped or crashed) is
// replayed at the next start; a file that cannot be read is set aside, never truncated silently.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Segment names sort in delivery order; a stop's leftovers take a number before the others. */
const SEGMENT_NAME = /^chunks-(\d{12})\.spool$/;
const FIRST_SEQUENCE = 100_000_000_000;
/** a new segment is started past this size, so that delivered ones can be deleted */
const SEGMENT_BYTES = 16 * 1024 * 1024;

// A record: a 20-byte header, the tag (UTF-8), then the entries (msgpack, a PackedForward body).
//   0 u16 magic "FS"   2 u8 version   3 u8 state (0 waiting, 1 delivered)   4 u16 tag bytes
//   6 u16 0            8 u32 entries bytes   12 u32 entry count   16 u32 CRC-32 of bytes 4-15, tag, entries
const HEADER_BYTES = 20;
const MAGIC = 0x4653;
const VERSION = 1;
const WAITING = 0;
const DELIVERED = 1;
const STATE_OFFSET = 3;

export class SpoolFullError extends Error {}

interface Segment {
  sequence: number;
  file: string;
  fd: number;
  /** bytes of whole records; a failed append is cut back to it */
  size: number;
  /** records before it were read (or skipped as delivered) */
  readOffset: number;
  /** records read and not yet delivered */
  pending: number;
  /** entries in records not read yet */
  unreadEntries: number;
  /** no more appends (a failed write could not be undone) */
  sealed: boolean;
}

/** Where a chunk read back came from: flagged delivered once the chunk is acknowledged. */
export interface RecordRef {
  segment: Segment;
  offset: number;
}

export interface SpooledChunk {
  tag: string;
  parts: Buffer[];
  bytes: number;
  entries: number;
  refs: RecordRef[];
}

export interface ChunkToSpool {
  tag: string;
  parts: readonly Buffer[];
  entries: number;
}

export class ChunkSpool {
  private segments: Segment[] = [];
  private writeSegment: Segment | null = null;
  private nextSequence = FIRST_SEQUENCE;
  private bytesOnDisk = 0;
  private unread = 0;

  /**
   * `maxBytes`: appends past it are refused (a stop's leftovers are written whatever it says);
   * `report`: problems with files, for the main log.
   */
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly report: (message: string) => void,
  ) {}

  /** entries waiting on disk, not read back yet */
  get unreadEntries(): number {
    return this.unread;
  }

  /** bytes of the segment files (read or not, until each is deleted) */
  get diskBytes(): number {
    return this.bytesOnDisk;
  }

  /** something on disk is not delivered yet (unread, or read and not acknowledged) */
  get holdsUndelivered(): boolean {
    return this.segments.length > 0;
  }

  /** Takes over the segments an earlier run left, checking every record; returns the entries waiting. */
  open(): number {
    const found = fs
      .readdirSync(this.dir)
      .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
      .filter((f) => f.match !== null)
      .map((f) => ({ file: path.join(this.dir, f.name), sequence: Number(f.match![1]) }))
      .sort((a, b) => a.sequence - b.sequence);
    for (const { file, sequence } of found) {
      const segment = this.check(file, sequence);
      if (segment) this.segments.push(segment);
      this.nextSequence = Math.max(this.nextSequence, sequence + 1);
    }
    // segments whose records were all delivered (a crash came before their deletion)
    for (const segment of [...this.segments]) this.deleteIfDone(segment);
    return this.unread;
  }

  /** Appends one record; throws SpoolFullError past maxBytes, or the write's error (nothing of it stays). */
  append(chunk: ChunkToSpool): void {
    const tag = Buffer.from(chunk.tag);
    const bytes = HEADER_BYTES + tag.length + chunk.parts.reduce((sum, p) => sum + p.length, 0);
    if (this.maxBytes > 0 && this.bytesOnDisk + bytes > this.maxBytes) throw new SpoolFullError(`the spool is full (${this.maxBytes} bytes)`);
    let segment = this.writeSegment;
    if (segment === null || segment.sealed || segment.size >= SEGMENT_BYTES) {
      segment = this.createSegment(this.nextSequence++);
      this.segments.push(segment);
      this.writeSegment = segment;
    }
    this.write(segment, tag, chunk);
  }

  /**
   * Writes chunks older than everything spooled (memory's content at a stop) into a segment
   * read before the others. Returns the entries written; stops at the first failure, reported.
   */
  prepend(chunks: readonly ChunkToSpool[]): number {
    if (chunks.length === 0) return 0;
    const sequence = (this.segments[0]?.sequence ?? this.nextSequence) - 1;
    let written = 0;
    try {
      const segment = this.createSegment(sequence);
      this.segments.unshift(segment);
      for (const chunk of chunks) {
        this.write(segment, Buffer.from(chunk.tag), chunk);
        written += chunk.entries;
      }
    } catch (err) {
      this.report(`writing to the spool failed (${(err as Error).message}): ${chunks.reduce((n, c) => n + c.entries, 0) - written} records could not be kept`);
    }
    return written;
  }

  /** The next records (oldest first), one tag, up to `maxBytes` of entries (at least one record). */
  read(maxBytes: number): SpooledChunk | null {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    for (const segment of [...this.segments]) {
      let chunk: SpooledChunk | null = null;
      try {
        while (segment.readOffset < segment.size) {
          const offset = segment.readOffset;
          readExactly(segment.fd, header, offset);
          const tagBytes = header.readUInt16BE(4);
          const entryBytes = header.readUInt32BE(8);
          const entries = header.readUInt32BE(12);
          const recordBytes = HEADER_BYTES + tagBytes + entryBytes;
          if (header[STATE_OFFSET] === DELIVERED) {
            segment.readOffset += recordBytes;
            continue;
          }
          const body = Buffer.allocUnsafe(tagBytes + entryBytes);
          readExactly(segment.fd, body, offset + HEADER_BYTES);
          const tag = body.toString('utf8', 0, tagBytes);
          if (chunk !== null && (tag !== chunk.tag || chunk.bytes + entryBytes > maxBytes)) return chunk;
          chunk ??= { tag, parts: [], bytes: 0, entries: 0, refs: [] };
          chunk.parts.push(body.subarray(tagBytes));
          chunk.bytes += entryBytes;
          chunk.entries += entries;
          chunk.refs.push({ segment, offset });
          segment.pending++;
          segment.unreadEntries -= entries;
          this.unread -= entries;
          segment.readOffset += recordBytes;
        }
      } catch (err) {
        this.setAside(segment, segment.readOffset, 'unreadable', `cannot be read (${(err as Error).message})`);
        if (chunk !== null) return chunk;
        continue;
      }
      if (chunk !== null) return chunk;
      this.deleteIfDone(segment);
    }
    return null;
  }

  /** The records behind an acknowledged chunk are delivered: flagged so, and their segment deleted once all are. */
  delivered(refs: readonly RecordRef[]): void {
    const flag = Buffer.from([DELIVERED]);
    for (const { segment, offset } of refs) {
      segment.pending--;
      // a flag that cannot be written only means the record is sent again after a restart
      if (segment.fd >= 0) {
        try {
          fs.writeSync(segment.fd, flag, 0, 1, offset + STATE_OFFSET);
        } catch {
          /* at least once: a resend, not a loss */
        }
      }
      this.deleteIfDone(segment);
    }
  }

  /** Closes the files; what is not delivered stays for the next start. */
  close(): void {
    for (const segment of this.segments) closeQuietly(segment);
    this.segments = [];
    this.writeSegment = null;
    this.unread = 0;
    this.bytesOnDisk = 0;
  }

  private createSegment(sequence: number): Segment {
    const file = path.join(this.dir, `chunks-${String(sequence).padStart(12, '0')}.spool`);
    // never over an existing file: it would be a segment of an earlier run
    const fd = fs.openSync(file, 'wx+', 0o600);
    return { sequence, file, fd, size: 0, readOffset: 0, pending: 0, unreadEntries: 0, sealed: false };
  }

  private write(segment: Segment, tag: Buffer, chunk: ChunkToSpool): void {
    const entryBytes = chunk.parts.reduce((sum, p) => sum + p.length, 0);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt16BE(MAGIC, 0);
    header[2] = VERSION;
    header[STATE_OFFSET] = WAITING;
    header.writeUInt16BE(tag.length, 4);
    header.writeUInt32BE(entryBytes, 8);
    header.writeUInt32BE(chunk.entries, 12);
    let crc = zlib.crc32(header.subarray(4, 16));
    crc = zlib.crc32(tag, crc);
    for (const part of chunk.parts) crc = zlib.crc32(part, crc);
    header.writeUInt32BE(crc, 16);
    // one buffer for a chunk of many small events: a write takes at most IOV_MAX of them
    const buffers = chunk.parts.length > 64 ? [header, tag, Buffer.concat(chunk.parts)] : [header, tag, ...chunk.parts];
    const bytes = HEADER_BYTES + tag.length + entryBytes;
    let done = 0;
    try {
      while (done < bytes) {
        // a short write (the disk filling up) is never taken as whole: the rest is written, or fails
        const written = fs.writevSync(segment.fd, done === 0 ? buffers : [Buffer.concat(buffers).subarray(done)], segment.size + done);
        if (written <= 0) throw new Error(`wrote ${done} of ${bytes} bytes`);
        done += written;
      }
    } catch (err) {
      // what was written of it is cut off, so the file holds whole records only
      try {
        if (done > 0) fs.ftruncateSync(segment.fd, segment.size);
      } catch {
        segment.sealed = true;
      }
      throw err;
    }
    segment.size += bytes;
    segment.unreadEntries += chunk.entries;
    this.unread += chunk.entries;
    this.bytesOnDisk += bytes;
  }

  /** Opens an earlier run's segment and checks each record; sets aside what follows the first bad one. */
  private check(file: string, sequence: number): Segment | null {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r+');
    } catch (err) {
      this.report(`spool file ${file} cannot be opened (${(err as Error).message}): left as it is, its records are not sent`);
      return null;
    }
    const segment: Segment = { sequence, file, fd, size: 0, readOffset: 0, pending: 0, unreadEntries: 0, sealed: true };
    const size = fs.fstatSync(fd).size;
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    let offset = 0;
    let waiting = 0;
    while (offset < size) {
      const problem = this.checkRecord(fd, header, offset, size);
      if (problem !== null) {
        const good = waiting > 0 ? `; the ${waiting} records before it are sent` : '';
        return this.setAside(segment, offset, problem.kind, `${problem.reason} at byte ${offset} of ${size}${good}`, size) ? null : this.counted(segment, offset, waiting);
      }
      if (header[STATE_OFFSET] === WAITING) waiting += header.readUInt32BE(12);
      offset += HEADER_BYTES + header.readUInt16BE(4) + header.readUInt32BE(8);
    }
    return this.counted(segment, offset, waiting);
  }

  private counted(segment: Segment, size: number, waiting: number): Segment {
    segment.size = size;
    segment.unreadEntries = waiting;
    this.unread += waiting;
    this.bytesOnDisk += size;
    return segment;
  }

  private checkRecord(fd: number, header: Buffer, offset: number, size: number): { kind: 'torn' | 'unreadable'; reason: string } | null {
    if (size - offset < HEADER_BYTES) return { kind: 'torn', reason: 'a record cut short (a crash while it was written)' };
    readExactly(fd, header, offset);
    if (header.readUInt16BE(0) !== MAGIC || header[2] !== VERSION || header.readUInt16BE(6) !== 0 || header[STATE_OFFSET]! > DELIVERED) {
      return { kind: 'unreadable', reason: 'not a spool record' };
    }
    const bodyBytes = header.readUInt16BE(4) + header.readUInt32BE(8);
    if (offset + HEADER_BYTES + bodyBytes > size) return { kind: 'torn', reason: 'a record cut short (a crash while it was written)' };
    const body = Buffer.allocUnsafe(bodyBytes);
    readExactly(fd, body, offset + HEADER_BYTES);
    if (zlib.crc32(body, zlib.crc32(header.subarray(4, 16))) !== header.readUInt32BE(16)) return { kind: 'unreadable', reason: 'a record whose checksum does not match' };
    return null;
  }

  /**
   * Moves the bytes from `offset` on to `<file>.<kind>-<time>` (the whole file when offset is 0)
   * and keeps the whole records before them. Returns true when nothing of the segment is left.
   */
  private setAside(segment: Segment, offset: number, kind: string, why: string, size = segment.size): boolean {
    const aside = `${segment.file}.${kind}-${new Date().toISOString().replace(/[-:]/g, '').replace('.', '-')}`;
    try {
      if (offset === 0) {
        fs.renameSync(segment.file, aside);
      } else {
        const rest = Buffer.allocUnsafe(size - offset);
        readExactly(segment.fd, rest, offset);
        fs.writeFileSync(aside, rest, { flag: 'wx', mode: 0o600 });
        fs.ftruncateSync(segment.fd, offset);
      }
    } catch (err) {
      this.report(`spool file ${segment.file}: ${why}; setting it aside failed (${(err as Error).message}): left as it is, its records are not sent`);
      this.forget(segment);
      return true;
    }
    this.report(`spool file ${segment.file}: ${why}; ${offset === 0 ? 'the file' : `the ${size - offset} bytes from there`} set aside as ${aside}`);
    if (offset === 0) {
      this.forget(segment);
      return true;
    }
    // a segment being read at run time: what was not read of it is gone from the counts
    if (segment.size > offset) {
      this.bytesOnDisk -= segment.size - offset;
      this.unread -= segment.unreadEntries;
      segment.unreadEntries = 0;
      segment.size = offset;
      segment.sealed = true;
    }
    return false;
  }

  private forget(segment: Segment): void {
    closeQuietly(segment);
    const at = this.segments.indexOf(segment);
    if (at >= 0) {
      this.segments.splice(at, 1);
      this.bytesOnDisk -= segment.size;
      this.unread -= segment.unreadEntries;
    }
    if (this.writeSegment === segment) this.writeSegment = null;
  }

  private deleteIfDone(segment: Segment): void {
    if (segment.readOffset < segment.size || segment.pending > 0 || !this.segments.includes(segment)) return;
    try {
      fs.unlinkSync(segment.file);
    } catch (err) {
      this.report(`spool file ${segment.file} was delivered but cannot be deleted (${(err as Error).message})`);
    }
    this.forget(segment);
  }
}

function readExactly(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const got = fs.readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) throw new Error(`the file ends at byte ${position + done}`);
    done += got;
  }
}

function closeQuietly(segment: Segment): void {
  if (segment.fd < 0) return;
  try {
    fs.closeSync(segment.fd);
  } catch {
    /* closing is all that was left to do */
  }
  segment.fd = -1;
}
