// fluentd's spool as a person looking at the files would read it, independently of the plugin's
// own reader: segment files in order, each a run of records (20-byte header, tag, msgpack entries).
import fs from 'node:fs';
import path from 'node:path';
import { decodeMulti, ExtensionCodec } from '@msgpack/msgpack';

const HEADER_BYTES = 20;

const extensionCodec = new ExtensionCodec();
extensionCodec.register({ type: 0, encode: () => null, decode: () => 0 });

export interface SpoolRecord {
  file: string;
  /** where the record starts in its file, and where it ends */
  offset: number;
  end: number;
  delivered: boolean;
  tag: string;
  messages: string[];
}

/** The plugin instance's spool directory under the test's childlogdir (identifier "supervisor"). */
export function spoolDir(childlogdir: string, plugin: string): string {
  return path.join(childlogdir, 'supervisor-ts-state', 'supervisor', `plugin-${plugin}`);
}

/** chunks-*.spool in delivery order. */
export function spoolSegments(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /^chunks-\d{12}\.spool$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** The whole records of one segment; a torn or foreign tail ends the list. */
export function readSegment(file: string): SpoolRecord[] {
  const bytes = fs.readFileSync(file);
  const records: SpoolRecord[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= bytes.length && bytes.readUInt16BE(at) === 0x4653) {
    const tagBytes = bytes.readUInt16BE(at + 4);
    const entryBytes = bytes.readUInt32BE(at + 8);
    const end = at + HEADER_BYTES + tagBytes + entryBytes;
    if (end > bytes.length) break;
    const tag = bytes.toString('utf8', at + HEADER_BYTES, at + HEADER_BYTES + tagBytes);
    const messages = [...decodeMulti(bytes.subarray(at + HEADER_BYTES + tagBytes, end), { extensionCodec })].map((entry) => String((entry as [unknown, { message: unknown }])[1].message));
    records.push({ file, offset: at, end, delivered: bytes[at + 3] === 1, tag, messages });
    at = end;
  }
  return records;
}

/** Every message waiting (not flagged delivered) in the directory's segments, in order. */
export function waitingMessages(dir: string): string[] {
  return spoolSegments(dir).flatMap((file) => readSegment(file).filter((r) => !r.delivered).flatMap((r) => r.messages));
}
