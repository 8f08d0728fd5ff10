// An append-only JSON-lines spool file for records that do not fit in memory while Fluentd is
// away; read back in order from an offset, and emptied whenever it has been read to the end.
import fs from 'node:fs';

const READ_CHUNK = 1024 * 1024;

export class JsonLinesSpool<T> {
  private fd: number | null = null;
  private size = 0;
  private readOffset = 0;
  private count = 0;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {}

  get isEmpty(): boolean {
    return this.readOffset >= this.size;
  }

  /** records waiting in the file */
  get length(): number {
    return this.count;
  }

  /** false when the cap is reached or the disk refuses: the caller counts a drop */
  append(record: T): boolean {
    const line = Buffer.from(JSON.stringify(record) + '\n');
    if (this.maxBytes > 0 && this.size - this.readOffset + line.length > this.maxBytes) return false;
    try {
      this.fd ??= fs.openSync(this.file, 'w+');
      fs.writeSync(this.fd, line, 0, line.length, this.size);
      this.size += line.length;
      this.count++;
      return true;
    } catch {
      return false;
    }
  }

  /** The next records in order (about a megabyte of them). */
  read(): T[] {
    if (this.fd === null || this.isEmpty) return [];
    const buffer = Buffer.alloc(Math.min(READ_CHUNK, this.size - this.readOffset));
    const got = fs.readSync(this.fd, buffer, 0, buffer.length, this.readOffset);
    let end = buffer.lastIndexOf(0x0a, got - 1) + 1;
    // one record longer than a chunk: read it whole
    if (end === 0) return this.readLongRecord();
    this.readOffset += end;
    const records = buffer.subarray(0, end).toString('utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as T);
    this.count -= records.length;
    if (this.isEmpty) this.reset();
    return records;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.file, { force: true });
    // a closed spool is empty: a reader must not loop on records it can no longer read
    this.size = this.readOffset = this.count = 0;
  }

  private readLongRecord(): T[] {
    const rest = Buffer.alloc(this.size - this.readOffset);
    fs.readSync(this.fd!, rest, 0, rest.length, this.readOffset);
    const end = rest.indexOf(0x0a) + 1;
    this.readOffset += end;
    const record = JSON.parse(rest.subarray(0, end - 1).toString('utf8')) as T;
    this.count--;
    if (this.isEmpty) this.reset();
    return [record];
  }

  private reset(): void {
    fs.ftruncateSync(this.fd!, 0);
    this.count = 0;
    this.size = 0;
    this.readOffset = 0;
  }
}
