// The forward protocol's bytes, written directly: an event's lines become msgpack entries
// [EventTime, {message, ...fields}] in one pass, the fields encoded once per event, and a chunk of
// entries is framed as a PackedForward message. Generic encoders cost 2.5-5 µs per record (ADR 0012).

export type RecordValue = string | number;
export type RecordFields = Readonly<Record<string, RecordValue>>;

/** Grows to the largest event seen; each event's entries are copied out at their exact size. */
let scratch = Buffer.allocUnsafe(64 * 1024);

function reserve(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, scratch.length * 2));
  return scratch;
}

const strHeaderBytes = (length: number): number => (length < 32 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5);

function strHeader(out: Buffer, at: number, length: number): void {
  if (length < 32) out[at] = 0xa0 | length;
  else if (length < 0x100) {
    out[at] = 0xd9;
    out[at + 1] = length;
  } else if (length < 0x10000) {
    out[at] = 0xda;
    out.writeUInt16BE(length, at + 1);
  } else {
    out[at] = 0xdb;
    out.writeUInt32BE(length, at + 1);
  }
}

/** Writes `text` as a msgpack str at `at` (room for 5 + 3 * text.length bytes); returns the end. */
function writeStr(out: Buffer, at: number, text: string): number {
  // the header's size depends on the UTF-8 length: the text goes after the header its UTF-16
  // length needs (right for ASCII), and moves when more UTF-8 bytes need a larger one
  const guess = strHeaderBytes(text.length);
  const length = out.write(text, at + guess);
  const header = strHeaderBytes(length);
  if (header !== guess) out.copyWithin(at + header, at + guess, at + guess + length);
  strHeader(out, at, length);
  return at + header + length;
}

function writeNumber(out: Buffer, at: number, value: number): number {
  if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
    if (value < 0x80) {
      out[at] = value;
      return at + 1;
    }
    out[at] = 0xce;
    out.writeUInt32BE(value, at + 1);
    return at + 5;
  }
  if (Number.isInteger(value) && value < 0 && value >= -0x80000000) {
    out[at] = 0xd2;
    out.writeInt32BE(value, at + 1);
    return at + 5;
  }
  out[at] = 0xcb;
  out.writeDoubleBE(value, at + 1);
  return at + 9;
}

function mapHeader(out: Buffer, at: number, size: number): number {
  if (size < 16) {
    out[at] = 0x80 | size;
    return at + 1;
  }
  out[at] = 0xde;
  out.writeUInt16BE(size, at + 1);
  return at + 3;
}

const maxBytes = (value: RecordValue): number => (typeof value === 'number' ? 9 : 5 + 3 * value.length);

/** The key/value pairs of `fields`, without a map header. */
function encodePairs(fields: RecordFields): Buffer {
  let room = 0;
  for (const [key, value] of Object.entries(fields)) room += maxBytes(key) + maxBytes(value);
  const out = Buffer.allocUnsafe(room);
  let at = 0;
  for (const [key, value] of Object.entries(fields)) {
    at = writeStr(out, at, key);
    at = typeof value === 'number' ? writeNumber(out, at, value) : writeStr(out, at, value);
  }
  return out.subarray(0, at);
}

/** fixarray(2), then the EventTime extension (fixext8 type 0: seconds, nanoseconds). */
function writeEntryStart(out: Buffer, at: number, timeMs: number): number {
  const seconds = Math.floor(timeMs / 1000);
  out[at] = 0x92;
  out[at + 1] = 0xd7;
  out[at + 2] = 0x00;
  out.writeUInt32BE(seconds, at + 3);
  out.writeUInt32BE(Math.round((timeMs - seconds * 1000) * 1e6), at + 7);
  return at + 11;
}

const ENTRY_START_BYTES = 11;

/**
 * One entry per line, `{[textKey]: line, ...fields}`, all at `timeMs`, as one buffer of
 * concatenated msgpack entries (a PackedForward body).
 */
export function encodeLineEntries(timeMs: number, textKey: string, lines: readonly string[], fields: RecordFields): Buffer {
  if (lines.length === 0) return Buffer.alloc(0);
  const pairs = encodePairs(fields);
  const headRoom = Buffer.allocUnsafe(ENTRY_START_BYTES + 3 + maxBytes(textKey));
  let headLength = writeEntryStart(headRoom, 0, timeMs);
  headLength = mapHeader(headRoom, headLength, Object.keys(fields).length + 1);
  headLength = writeStr(headRoom, headLength, textKey);
  const head = headRoom.subarray(0, headLength);
  // between two lines, one entry's fields and the next one's head: one copy instead of two
  const between = Buffer.concat([pairs, head]);
  let room = head.length;
  for (const line of lines) room += 5 + 3 * line.length + between.length;
  const out = reserve(room);
  out.set(head, 0);
  let at = head.length;
  for (let i = 0; i < lines.length; i++) {
    at = writeStr(out, at, lines[i]!);
    if (i + 1 < lines.length) {
      out.set(between, at);
      at += between.length;
    }
  }
  out.set(pairs, at);
  at += pairs.length;
  return Buffer.from(out.subarray(0, at));
}

/** One entry `[time, record]` for a record of a few fields (a state change). */
export function encodeEntry(timeMs: number, record: RecordFields): Buffer {
  const pairs = encodePairs(record);
  const out = Buffer.allocUnsafe(ENTRY_START_BYTES + 3 + pairs.length);
  let at = writeEntryStart(out, 0, timeMs);
  at = mapHeader(out, at, Object.keys(record).length);
  at += pairs.copy(out, at);
  return out.subarray(0, at);
}

/**
 * The bytes around a PackedForward body of `bodyBytes`: `[tag, bin(body), {size, chunk?}]`;
 * `chunk` asks the receiver for an acknowledgement.
 */
export function packedForwardFrame(tag: string, bodyBytes: number, records: number, chunk: string | null): { head: Buffer; option: Buffer } {
  const head = Buffer.allocUnsafe(1 + 5 + 3 * tag.length + 5);
  head[0] = 0x93;
  let at = writeStr(head, 1, tag);
  head[at] = 0xc6;
  head.writeUInt32BE(bodyBytes, at + 1);
  at += 5;
  const option = encodePairs(chunk === null ? { size: records } : { size: records, chunk });
  return { head: head.subarray(0, at), option: Buffer.concat([Buffer.from([0x80 | (chunk === null ? 1 : 2)]), option]) };
}
