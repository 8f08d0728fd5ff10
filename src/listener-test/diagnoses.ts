// What the bytes a listener wrote mean, as faults with their cure: pure functions of what was
// written (and what the pool's decoder holds), so each diagnosis reads as the wire evidence it uses.
import { renderPayload } from '../events/payload.js';
import type { SupervisorEvent } from '../events/types.js';
import { quote, seconds, sizeWords, type Fault } from './faults.js';
import type { EventReport } from './report.js';

const READY = Buffer.from('READY\n');
const OK = Buffer.from('OK');
const FAIL = Buffer.from('FAIL');
const LOG_TO_STDERR = 'log to stderr: stdout carries only the protocol';

/** What supervisord's default result handler makes of a body, and a fault when it is neither OK nor FAIL. */
export function judgeAnswer(body: Buffer): { outcome: 'OK' | 'FAIL'; fault?: Fault } {
  if (body.equals(OK)) return { outcome: 'OK' };
  if (body.equals(FAIL)) return { outcome: 'FAIL' };
  // Python 3: str() of bytes, the classic childutils mix-up
  const pythonBytes = /^b(['"])(.*)\1$/s.exec(body.toString('utf8'));
  if (pythonBytes) {
    return {
      outcome: 'FAIL',
      fault: {
        code: 'SUP_ERR_BENCH_ANSWER',
        message: `answered ${quote(body)}, the str() of a Python bytes object; supervisord takes it for FAIL and sends the event again`,
        cure: `write the text ${JSON.stringify(pythonBytes[2])} (decode bytes before formatting them, or write bytes to sys.stdout.buffer)`,
      },
    };
  }
  return {
    outcome: 'FAIL',
    fault: {
      code: 'SUP_ERR_BENCH_ANSWER',
      message: `answered ${quote(body)}: supervisord accepts exactly "OK" and takes anything else for FAIL, sending the event again`,
      cure: 'answer RESULT 2\\nOK, or RESULT 4\\nFAIL to have the event sent again',
    },
  };
}

/** No READY\n within the deadline; `written` is what came instead (a READY without its newline, or nothing). */
export function neverReady(written: Buffer, timeoutMs: number, when: string): Fault {
  const timeout = seconds(timeoutMs);
  if (written.length > 0 && READY.subarray(0, written.length).equals(written)) {
    return {
      code: 'SUP_ERR_BENCH_NEVER_READY',
      message: `wrote ${quote(written)} ${when} but not the rest of READY\\n within ${timeout}`,
      cure: 'write READY followed by a newline, and flush stdout after writing it',
    };
  }
  return {
    code: 'SUP_ERR_BENCH_NEVER_READY',
    message: `never wrote READY within ${timeout} ${when}`,
    cure: 'flush stdout after writing it (Python: print("READY", flush=True) or sys.stdout.flush(); C: fflush(stdout))',
  };
}

/** Bytes that are not READY\n where only READY\n may come (at start, or while READY). */
export function chatter(bytes: Buffer, where: string): Fault {
  return { code: 'SUP_ERR_BENCH_STDOUT_CHATTER', message: `wrote ${quote(bytes)} to stdout ${where}`, cure: LOG_TO_STDERR };
}

/** A line that is no RESULT line: chatter, or a RESULT without its length. */
export function badResultLine(line: string): Fault {
  return /^RESULT\b/.test(line)
    ? { code: 'SUP_ERR_BENCH_RESULT_LINE', message: `wrote the result line ${quote(line)}, which has no byte length`, cure: 'write RESULT <length of the body in bytes>\\n then the body: RESULT 2\\nOK' }
    : chatter(Buffer.from(`${line}\n`), 'while handling the event, where supervisord reads RESULT <length>');
}

/** The first line of what the listener wrote for this event: its RESULT line. */
function resultLine(written: Buffer): string {
  const newline = written.indexOf(0x0a);
  return written.subarray(0, newline < 0 ? written.length : newline).toString('utf8');
}

function wrongLength(line: string, real: Buffer, after = ''): Fault {
  return { code: 'SUP_ERR_BENCH_RESULT_LENGTH', message: `${line} but ${sizeWords(real)} followed (${quote(real)})${after}`, cure: `give RESULT the body's length in bytes (RESULT ${real.length})` };
}

/**
 * No complete answer by the deadline. With a RESULT line read (`pending`), the length it gave is
 * more than came: when READY\n came after the body, that length is too long and both sides wait.
 */
export function noResult(pending: { length: number; received: Buffer } | null, written: Buffer, timeoutMs: number): Fault {
  const timeout = seconds(timeoutMs);
  if (pending) {
    const readyAt = pending.received.indexOf(READY);
    const body = readyAt >= 0 ? pending.received.subarray(0, readyAt) : pending.received;
    return wrongLength(
      resultLine(written),
      body,
      readyAt >= 0 ? ', then READY: supervisord waits for the rest of the result and the listener for the next event' : `, and no more within ${timeout}`,
    );
  }
  if (written.length > 0) {
    return { code: 'SUP_ERR_BENCH_NO_RESULT', message: `wrote ${quote(written)} but no complete RESULT line within ${timeout}`, cure: 'end the RESULT line with a newline and flush stdout after writing the answer' };
  }
  return { code: 'SUP_ERR_BENCH_NO_RESULT', message: `no answer within ${timeout}`, cure: 'flush stdout after writing RESULT and its body (or raise --timeout if handling an event takes this long)' };
}

/** Length of the longest k (1..6) such that `body` ends with READY\n's first k bytes and `after` goes on with the rest. */
function readyCutInto(body: Buffer, after: Buffer): number {
  for (let k = Math.min(READY.length, body.length); k >= 1; k--) {
    const rest = READY.subarray(k);
    const continues = after.subarray(0, rest.length).equals(rest.subarray(0, Math.min(rest.length, after.length)));
    if (body.subarray(body.length - k).equals(READY.subarray(0, k)) && continues) return k;
  }
  return 0;
}

/**
 * Bytes other than READY\n after a result body: a RESULT length too long (the body ends with the
 * start of READY\n and `after` holds its rest), too short (READY\n comes after more of the body),
 * or chatter.
 */
export function afterResult(written: Buffer, body: Buffer, after: Buffer): Fault {
  const line = resultLine(written);
  const cut = readyCutInto(body, after);
  if (cut > 0) return wrongLength(line, body.subarray(0, body.length - cut));
  const readyAt = after.indexOf(READY);
  if (readyAt > 0) return wrongLength(line, Buffer.concat([body, after.subarray(0, readyAt)]));
  return chatter(after, `after its answer ${quote(body)}, where READY\\n was expected`);
}

/**
 * No READY\n after a result within the deadline. A body that ends with READY\n is a RESULT length
 * too long by exactly those 6 bytes: the decoder took READY for the end of the result, and waits.
 */
export function noReadyAfterResult(written: Buffer, body: Buffer, timeoutMs: number): Fault {
  if (body.length >= READY.length && body.subarray(body.length - READY.length).equals(READY)) {
    return wrongLength(resultLine(written), body.subarray(0, body.length - READY.length), ', then READY, read as the end of the result: supervisord waits for READY and the listener for the next event');
  }
  return {
    code: 'SUP_ERR_BENCH_NEVER_READY',
    message: `answered but never wrote READY again within ${seconds(timeoutMs)}`,
    cure: 'write READY\\n after each answer (before reading the next event), and flush stdout after writing it',
  };
}

export function isAscii(event: SupervisorEvent): boolean {
  return /^[\x00-\x7f]*$/.test(renderPayload(event));
}

function payloadSize(event: SupervisorEvent): { bytes: number; characters: number } {
  const payload = renderPayload(event);
  return { bytes: Buffer.byteLength(payload, 'utf8'), characters: [...payload].length };
}

/** The event after a non-ASCII one fails, yet goes through alone: the rest of the last payload was left unread. */
export function lenInBytes(previous: EventReport): Fault {
  const { bytes, characters } = payloadSize(previous.event);
  return {
    code: 'SUP_ERR_BENCH_LEN_IN_BYTES',
    message:
      `the listener copes with ASCII but went wrong on this event, which goes through cleanly when sent alone, right after #${previous.index} with non-ASCII text: ` +
      `that payload is ${characters} characters in ${bytes} bytes, and len counts characters; a listener that reads len bytes stops ${bytes - characters} bytes short and takes the rest for the next header`,
    cure: 'len counted in bytes: read characters (decode stdin as UTF-8 and read len characters)',
  };
}

/** A non-ASCII event fails where its ASCII twin goes through: the text itself is the trouble. */
export function nonAscii(report: EventReport): Fault {
  const { bytes, characters } = payloadSize(report.event);
  const blocked = report.faults.some((f) => f.code === 'SUP_ERR_BENCH_NO_RESULT');
  return {
    code: 'SUP_ERR_BENCH_NON_ASCII',
    message:
      `the listener copes with ASCII but went wrong on this event, whose ASCII twin goes through cleanly: its payload is ${characters} characters in ${bytes} bytes` +
      (blocked ? ', and the listener waited for more input than that: it reads more than len characters' : ''),
    cure: 'treat the payload as UTF-8 text: read len characters, and write it only where UTF-8 goes (a file or stream opened with encoding="utf-8")',
  };
}

/** The event with every non-ASCII character replaced by "?": the same shape, in ASCII. */
export function asciiTwin(event: SupervisorEvent): SupervisorEvent | null {
  const ascii = (text: string): string => text.replace(/[^\x00-\x7f]/gu, '?');
  const twin: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (typeof value === 'string') twin[key] = ascii(value);
    else if (Buffer.isBuffer(value)) twin[key] = Buffer.from(ascii(value.toString('utf8')));
    else if (Array.isArray(value)) twin[key] = value.map((v: unknown) => (typeof v === 'string' ? ascii(v) : v));
    else twin[key] = value;
  }
  const result = twin as unknown as SupervisorEvent;
  return isAscii(result) ? result : null;
}
