// Reading slices and tails of log files for the RPC layer and supervisorctl, with 4.2.5's
// readFile/tailFile semantics (supervisor/options.py): same offsets, same clamping, same faults.
import fs from 'node:fs';

/** Why a log read failed, named as 4.2.5's fault so the RPC layer can map it one to one. */
export type LogReadFault = 'BAD_ARGUMENTS' | 'NO_FILE' | 'FAILED';

export class LogReadError extends Error {
  constructor(
    readonly fault: LogReadFault,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${fault}: ${detail}`);
    this.name = 'LogReadError';
  }
}

/**
 * The most bytes one read returns. A JavaScript string holds at most ~512 Mi characters and the
 * XML-RPC answer is built as one: past that, a read would fail with a misleading UTF-8 error after
 * allocating the whole slice. 64 MiB is far more than a page or supervisorctl shows at once.
 */
export const MAX_LOG_READ_BYTES = 64 * 1024 * 1024;

/** A read asked for more than MAX_LOG_READ_BYTES: 4.2.5's FAILED, with a text that says why (beyond 4.2.5). */
export class LogReadTooLargeError extends LogReadError {
  constructor(path: string, bytes: number) {
    super(
      'FAILED',
      path,
      `reading ${bytes} bytes of ${path} exceeds the ${MAX_LOG_READ_BYTES / 1024 / 1024} MiB one log read may return; read it in parts with offset and length`,
    );
    this.name = 'LogReadTooLargeError';
  }
}

/** Refuses before the buffer is allocated. */
function checkReadSize(path: string, bytes: number): void {
  if (bytes > MAX_LOG_READ_BYTES) throw new LogReadTooLargeError(path, bytes);
}

/**
 * Thrown when the bytes read are not valid UTF-8 (a slice cutting a multi-byte character): 4.2.5
 * fails such a call with HTTP 500 rather than a fault, so the RPC layer must treat it apart.
 */
export class LogDecodeError extends Error {
  constructor(readonly path: string) {
    super(`log slice of ${path} is not valid UTF-8`);
    this.name = 'LogDecodeError';
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decode(path: string, bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new LogDecodeError(path);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const n = fs.readSync(fd, buffer, filled, length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return buffer.subarray(0, filled);
}

function openForReading(path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LogReadError(code === 'ENOENT' ? 'NO_FILE' : 'FAILED', path, code === 'ENOENT' ? path : (err as Error).message);
  }
}

/**
 * 4.2.5's readFile (readLog, readProcessStdoutLog, readProcessStderrLog):
 * offset < 0 with length 0 gives the last |offset| bytes; offset >= 0 with length 0 gives the rest
 * of the file; offset >= 0 with length > 0 gives up to length bytes. A negative offset with a
 * non-zero length, or a negative length, is BAD_ARGUMENTS; a missing file NO_FILE; I/O errors FAILED,
 * and so is a read of more than MAX_LOG_READ_BYTES (LogReadTooLargeError, before anything is read).
 */
export function readLogSlice(path: string, offset: number, length: number): string {
  if (!Number.isInteger(offset) || !Number.isInteger(length)) {
    throw new LogReadError('BAD_ARGUMENTS', path, `offset and length must be integers, got ${offset} and ${length}`);
  }
  if (offset < 0 && length !== 0) throw new LogReadError('BAD_ARGUMENTS', path, `negative offset ${offset} needs length 0`);
  if (offset >= 0 && length < 0) throw new LogReadError('BAD_ARGUMENTS', path, `negative length ${length}`);
  const fd = openForReading(path);
  let bytes: Buffer;
  try {
    const size = fs.fstatSync(fd).size;
    const start = offset < 0 ? Math.max(0, size + offset) : offset;
    const available = Math.max(0, size - start);
    const wanted = offset < 0 ? Math.min(-offset, available) : length === 0 ? available : Math.min(length, available);
    checkReadSize(path, wanted);
    bytes = readAt(fd, start, wanted);
  } catch (err) {
    if (err instanceof LogReadError) throw err;
    throw new LogReadError('FAILED', path, (err as Error).message);
  } finally {
    fs.closeSync(fd);
  }
  return decode(path, bytes);
}

/**
 * 4.2.5's tailFile (tailProcessStdoutLog, tailProcessStderrLog): returns [bytes, new offset, overflow].
 * When the file holds more than offset+length bytes, overflow is set and the read moves to the end;
 * the new offset is always the file size. A missing or unreadable file gives ['', offset, false]
 * (the RPC layer answers ['', 0, false] itself when the process has no log file at all).
 * A length that would return more than MAX_LOG_READ_BYTES throws LogReadTooLargeError.
 */
export function tailLog(path: string, offset: number, length: number): [string, number, boolean] {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return ['', offset, false];
  }
  let bytes: Buffer;
  let size: number;
  let overflow = false;
  try {
    size = fs.fstatSync(fd).size;
    if (size > offset + length) {
      overflow = true;
      offset = size - 1;
    }
    if (offset + length > size) {
      if (offset > size - 1) length = 0;
      offset = size - length;
    }
    if (offset < 0) offset = 0;
    if (length < 0) length = 0;
    // a length past the end reads what is there: never allocate more than that
    const wanted = Math.min(length, Math.max(0, size - offset));
    checkReadSize(path, wanted);
    bytes = wanted === 0 ? Buffer.alloc(0) : readAt(fd, offset, wanted);
  } catch (err) {
    if (err instanceof LogReadTooLargeError) throw err;
    return ['', offset, false];
  } finally {
    fs.closeSync(fd);
  }
  return [decode(path, bytes), size, overflow];
}
