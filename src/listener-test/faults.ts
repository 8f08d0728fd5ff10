// What the bench says about a listener: one entry per protocol fault, each with a stable code, what
// the listener did (quoting the bytes it wrote) and what to change. The codes are documented in
// docs/listeners.md and never reused.
export type FaultCode =
  | 'SUP_ERR_BENCH_SPAWN' // the command could not be started
  | 'SUP_ERR_BENCH_NEVER_READY' // no READY\n within the ready timeout
  | 'SUP_ERR_BENCH_STDOUT_CHATTER' // bytes on stdout that are not the protocol
  | 'SUP_ERR_BENCH_RESULT_LENGTH' // RESULT n with another number of bytes after it
  | 'SUP_ERR_BENCH_RESULT_LINE' // a RESULT line without a length, or too long
  | 'SUP_ERR_BENCH_NO_RESULT' // no answer within the result timeout
  | 'SUP_ERR_BENCH_EXITED' // the listener exited (mid-event, or between events)
  | 'SUP_ERR_BENCH_ANSWER' // a result body that is neither OK nor FAIL
  | 'SUP_ERR_BENCH_LEN_IN_BYTES' // the event after a non-ASCII one fails, yet goes through alone (len read as bytes)
  | 'SUP_ERR_BENCH_NON_ASCII' // a non-ASCII event fails where its ASCII twin goes through
  | 'SUP_ERR_BENCH_PLUGIN'; // an in-process plugin threw or timed out

export interface Fault {
  code: FaultCode;
  /** what happened, with the bytes the listener wrote */
  message: string;
  /** what to change */
  cure: string;
}

const QUOTE_MAX = 120;

/** Bytes as the report quotes them: UTF-8 text in JSON quotes (newlines visible), cut after 120 bytes. */
export function quote(bytes: Buffer | string): string {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const cut = buffer.length > QUOTE_MAX;
  return JSON.stringify(buffer.subarray(0, QUOTE_MAX).toString('utf8')) + (cut ? `... (${buffer.length} bytes)` : '');
}

/** "2 characters" for ASCII text, "5 bytes" otherwise: RESULT counts bytes. */
export function sizeWords(bytes: Buffer): string {
  const ascii = bytes.every((b) => b < 0x80);
  return ascii ? `${bytes.length} character${bytes.length === 1 ? '' : 's'}` : `${bytes.length} bytes`;
}

export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** How the listener ended, in supervisord's words. */
export function exitWords(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `terminated by ${exit.signal}` : `exit status ${exit.code ?? '?'}`;
}
