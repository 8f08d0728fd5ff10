// Runs a listener command as a pool of one would: waits for READY, writes each event's envelope
// (encodeEnvelope, the pool's own code, so the bytes are the ones supervisord sends), reads the
// answer through the pool's ListenerProtocol, and turns what the listener wrote into faults with
// their cure. After a fault the listener is restarted for the next event, as our pools do.
import { encodeEnvelope, type EnvelopeFields } from '../events/envelope.js';
import type { SupervisorEvent } from '../events/types.js';
import { renderPayload } from '../events/payload.js';
import { ListenerChild, type Happening, type ListenerCommand } from './listener-child.js';
import { exitWords, quote, seconds, sizeWords, type Fault } from './faults.js';
import type { BenchEvent, EventReport, RunReport } from './report.js';

export interface ScriptRunOptions {
  command: ListenerCommand;
  /** the envelope's server, pool, and the first event's serial and poolserial */
  envelope: Omit<EnvelopeFields, 'serial' | 'poolserial'> & { firstSerial: number; firstPoolserial: number };
  /** how long a (re)started listener has to write READY, and to write it again after a result */
  readyTimeoutMs: number;
  /** how long a listener has to answer an event */
  resultTimeoutMs: number;
  /** after the last event: how long to watch for stray output before ending the listener */
  settleMs: number;
}

const READY = Buffer.from('READY\n');
const OK = Buffer.from('OK');
const FAIL = Buffer.from('FAIL');

/** What supervisord's default result handler makes of a body, and a fault when it is neither OK nor FAIL. */
function judgeAnswer(body: Buffer): { outcome: 'OK' | 'FAIL'; fault?: Fault } {
  if (body.equals(OK)) return { outcome: 'OK' };
  if (body.equals(FAIL)) return { outcome: 'FAIL' };
  const text = body.toString('utf8');
  // Python 3: str() of bytes, the classic childutils mix-up
  const pythonBytes = /^b(['"])(.*)\1$/s.exec(text);
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

function isAscii(event: SupervisorEvent): boolean {
  return /^[\x00-\x7f]*$/.test(renderPayload(event));
}

/** Length of the longest k (1..6) such that `body` ends with READY\n's first k bytes and `after` goes on with the rest. */
function readyCutInto(body: Buffer, after: Buffer): number {
  for (let k = Math.min(READY.length, body.length); k >= 1; k--) {
    const rest = READY.subarray(k);
    const tail = body.subarray(body.length - k);
    const continues = rest.length === 0 || after.subarray(0, rest.length).equals(rest.subarray(0, Math.min(rest.length, after.length)));
    if (tail.equals(READY.subarray(0, k)) && continues) return k;
  }
  return 0;
}

function resultLine(written: Buffer): string {
  const newline = written.indexOf(0x0a);
  return written.subarray(0, newline < 0 ? written.length : newline).toString('utf8');
}

class Session {
  private child: ListenerChild;
  restarts = 0;

  constructor(private readonly options: ScriptRunOptions) {
    this.child = new ListenerChild(options.command);
  }

  /** Waits for READY; returns the faults that prevented it (empty when READY came). */
  async awaitReady(when: string): Promise<Fault[]> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      const happening = await this.child.next(deadline);
      if (happening === 'timeout') return [this.neverReady(when)];
      if (happening.kind === 'state' && happening.to === 'READY') {
        this.child.mark();
        return [];
      }
      const fault = this.startFault(happening, when);
      if (fault) return [fault];
    }
  }

  private neverReady(when: string): Fault {
    const written = this.child.sinceMark;
    const timeout = seconds(this.options.readyTimeoutMs);
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

  /** A happening while waiting for READY, as a fault; null for the ones that change nothing. */
  private startFault(happening: Happening, when: string): Fault | null {
    switch (happening.kind) {
      case 'state':
        return null;
      case 'spawn-error':
        return { code: 'SUP_ERR_BENCH_SPAWN', message: `cannot run ${quote(this.options.command.argv.join(' '))}: ${happening.message}`, cure: 'check the command (a full path, the file executable)' };
      case 'exit':
        return this.exitFault(`exited (${exitWords(happening)}) ${when}, before writing READY`, 'a listener runs for good: write READY, then read events in a loop');
      case 'violation':
        return {
          code: 'SUP_ERR_BENCH_STDOUT_CHATTER',
          message: `wrote ${quote(happening.bytes)} to stdout ${when}, where only READY\\n may come`,
          cure: 'log to stderr: stdout carries only the protocol',
        };
      default:
        return null;
    }
  }

  private exitFault(message: string, cure: string): Fault {
    const stderr = this.child.stderrLines();
    return { code: 'SUP_ERR_BENCH_EXITED', message: stderr.length ? `${message}; its stderr ended with: ${stderr.map((l) => quote(l)).join(' ')}` : message, cure };
  }

  /** Sends one event and follows it to READY; `report` gets the answer, the time and the faults. */
  async deliver(event: SupervisorEvent, fields: EnvelopeFields, report: EventReport): Promise<void> {
    this.collectStray(report);
    if (!(await this.restartIfBroken(report))) return;
    this.child.mark();
    const started = performance.now();
    this.child.send(encodeEnvelope(fields, event));
    report.outcome = 'NO ANSWER';
    const body = await this.awaitResult(report, started);
    if (body === null) return;
    await this.awaitReadyAfter(body, report);
  }

  private broken = false;

  /** False when the listener could not be made READY again (the event is then not sent). */
  private async restartIfBroken(report: EventReport): Promise<boolean> {
    if (!this.broken) return true;
    await this.child.stop();
    this.child = new ListenerChild(this.options.command);
    this.restarts++;
    this.broken = false;
    const faults = await this.awaitReady('after a restart');
    if (faults.length === 0) return true;
    report.faults.push(...faults);
    this.broken = true;
    return false;
  }

  /** Output (or an exit) that came while READY, after the previous answer: said on this event, which it keeps from going through. */
  private collectStray(report: EventReport): void {
    for (;;) {
      const happening = this.child.peekNow();
      if (!happening) return;
      if (happening.kind === 'exit') {
        report.faults.push(this.exitFault(`exited (${exitWords(happening)}) while READY, between events`, 'a listener runs for good: keep reading events'));
        this.broken = true;
      } else if (happening.kind === 'violation') {
        report.faults.push({
          code: 'SUP_ERR_BENCH_STDOUT_CHATTER',
          message: `wrote ${quote(happening.bytes)} to stdout while READY (before this event was sent)`,
          cure: 'log to stderr: stdout carries only the protocol',
        });
        this.broken = true;
      }
    }
  }

  private async awaitResult(report: EventReport, started: number): Promise<Buffer | null> {
    const deadline = Date.now() + this.options.resultTimeoutMs;
    for (;;) {
      const happening = await this.child.next(deadline);
      if (happening === 'timeout') {
        report.faults.push(this.noResult());
        this.broken = true;
        return null;
      }
      switch (happening.kind) {
        case 'state':
          continue;
        case 'result': {
          report.ms = performance.now() - started;
          const verdict = judgeAnswer(happening.body);
          report.outcome = verdict.outcome;
          if (verdict.fault) report.faults.push(verdict.fault);
          return happening.body;
        }
        case 'bad-result-line': {
          const line = happening.line;
          report.faults.push(
            /^RESULT\b/.test(line)
              ? { code: 'SUP_ERR_BENCH_RESULT_LINE', message: `wrote the result line ${quote(line)}, which has no byte length`, cure: 'write RESULT <length of the body in bytes>\\n then the body: RESULT 2\\nOK' }
              : {
                  code: 'SUP_ERR_BENCH_STDOUT_CHATTER',
                  message: `wrote ${quote(`${line}\n`)} to stdout while handling the event, where supervisord reads RESULT <length>`,
                  cure: 'log to stderr: stdout carries only the protocol',
                },
          );
          this.broken = true;
          return null;
        }
        case 'violation':
          report.faults.push({
            code: 'SUP_ERR_BENCH_RESULT_LINE',
            message: `wrote ${quote(happening.bytes)} as its result line: ${happening.code === 'SUP_ERR_LISTENER_RESULT_TOO_LARGE' ? 'a length past 1 MiB' : 'a line past 1 KiB'}`,
            cure: 'write RESULT <length of the body in bytes>\\n then the body: RESULT 2\\nOK',
          });
          this.broken = true;
          return null;
        case 'exit':
          report.faults.push(
            this.exitFault(
              `exited (${exitWords(happening)}) while handling the event, before answering${this.wroteSuffix()}`,
              'catch errors in the handler and answer RESULT 4\\nFAIL (supervisord sends the event again) or OK to let it go: a crash costs a restart, and the event comes back to a fresh listener',
            ),
          );
          this.broken = true;
          return null;
        case 'spawn-error':
          this.broken = true;
          return null;
      }
    }
  }

  private wroteSuffix(): string {
    const written = this.child.sinceMark;
    return written.length ? ` (it had written ${quote(written)})` : '';
  }

  private noResult(): Fault {
    const timeout = seconds(this.options.resultTimeoutMs);
    const pending = this.child.protocol.pendingResult;
    const written = this.child.sinceMark;
    if (pending) {
      const received = pending.received;
      const readyAt = received.indexOf(READY);
      const body = readyAt >= 0 ? received.subarray(0, readyAt) : received;
      return {
        code: 'SUP_ERR_BENCH_RESULT_LENGTH',
        message:
          `${resultLine(written)} but ${sizeWords(body)} followed (${quote(body)})` +
          (readyAt >= 0 ? ', then READY: supervisord waits for the rest of the result and the listener for the next event' : `, and no more within ${timeout}`),
        cure: `give RESULT the body's length in bytes (RESULT ${body.length})`,
      };
    }
    if (written.length > 0) {
      return {
        code: 'SUP_ERR_BENCH_NO_RESULT',
        message: `wrote ${quote(written)} but no complete RESULT line within ${timeout}`,
        cure: 'end the RESULT line with a newline and flush stdout after writing the answer',
      };
    }
    return {
      code: 'SUP_ERR_BENCH_NO_RESULT',
      message: `no answer within ${timeout}`,
      cure: 'flush stdout after writing RESULT and its body (or raise --timeout if handling an event takes this long)',
    };
  }

  private async awaitReadyAfter(body: Buffer, report: EventReport): Promise<void> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      const happening = await this.child.next(deadline);
      if (happening === 'timeout') {
        report.faults.push({
          code: 'SUP_ERR_BENCH_NEVER_READY',
          message: `answered but never wrote READY again within ${seconds(this.options.readyTimeoutMs)}`,
          cure: 'write READY\\n after each answer (before reading the next event), and flush stdout after writing it',
        });
        this.broken = true;
        return;
      }
      switch (happening.kind) {
        case 'state':
          if (happening.to === 'READY') return;
          continue;
        case 'violation': {
          const fault = this.afterResultFault(body, happening.bytes);
          // the body was misread because of the length: "answered OKR" would only mislead
          if (fault.code === 'SUP_ERR_BENCH_RESULT_LENGTH') report.faults = report.faults.filter((f) => f.code !== 'SUP_ERR_BENCH_ANSWER');
          report.faults.push(fault);
          this.broken = true;
          return;
        }
        case 'exit':
          report.faults.push(this.exitFault(`exited (${exitWords(happening)}) after answering`, 'a listener runs for good: after each answer write READY and read the next event'));
          this.broken = true;
          return;
        default:
          continue;
      }
    }
  }

  /** Bytes other than READY\n after a result: a RESULT length off by some bytes, or chatter. */
  private afterResultFault(body: Buffer, after: Buffer): Fault {
    const line = resultLine(this.child.sinceMark);
    const cut = readyCutInto(body, after);
    if (cut > 0) {
      const real = body.subarray(0, body.length - cut);
      return { code: 'SUP_ERR_BENCH_RESULT_LENGTH', message: `${line} but ${sizeWords(real)} followed (${quote(real)})`, cure: `give RESULT the body's length in bytes (RESULT ${real.length})` };
    }
    const readyAt = after.indexOf(READY);
    if (readyAt > 0) {
      const real = Buffer.concat([body, after.subarray(0, readyAt)]);
      return { code: 'SUP_ERR_BENCH_RESULT_LENGTH', message: `${line} but ${sizeWords(real)} followed (${quote(real)})`, cure: `give RESULT the body's length in bytes (RESULT ${real.length})` };
    }
    return {
      code: 'SUP_ERR_BENCH_STDOUT_CHATTER',
      message: `wrote ${quote(after)} to stdout after its answer ${quote(body)}, where READY\\n was expected`,
      cure: 'log to stderr: stdout carries only the protocol',
    };
  }

  /** After the last event: what the listener writes while READY is stray output. */
  async settle(last: EventReport | undefined): Promise<void> {
    if (!last || this.broken) return;
    const deadline = Date.now() + this.options.settleMs;
    for (;;) {
      const happening = await this.child.next(deadline);
      if (happening === 'timeout') return;
      if (happening.kind === 'violation') {
        last.faults.push({ code: 'SUP_ERR_BENCH_STDOUT_CHATTER', message: `wrote ${quote(happening.bytes)} to stdout while READY, after its answer`, cure: 'log to stderr: stdout carries only the protocol' });
        return;
      }
      if (happening.kind === 'exit') {
        last.faults.push(this.exitFault(`exited (${exitWords(happening)}) while READY, with no event to handle`, 'a listener runs for good: keep reading events'));
        return;
      }
    }
  }

  async close(): Promise<void> {
    await this.child.stop();
  }
}

/** Runs `events` through the listener; each event gets a report, and the run a verdict. */
export async function runScript(options: ScriptRunOptions, events: readonly BenchEvent[]): Promise<RunReport> {
  const reports = await runSession(options, events);
  await diagnoseEncoding(options, events, reports.events);
  return reports;
}

async function runSession(options: ScriptRunOptions, events: readonly BenchEvent[]): Promise<RunReport> {
  const session = new Session(options);
  const reports: EventReport[] = events.map((e, i) => ({ index: i + 1, event: e.event, label: e.label, outcome: 'NOT SENT', ms: null, faults: [] }));
  const startup = await session.awaitReady('after it started');
  try {
    if (startup.length === 0) {
      for (const [i, item] of events.entries()) {
        const fields = { server: options.envelope.server, pool: options.envelope.pool, serial: options.envelope.firstSerial + i, poolserial: options.envelope.firstPoolserial + i };
        await session.deliver(item.event, fields, reports[i]!);
        // a listener that cannot be made READY again gets no more events
        if (reports[i]!.outcome === 'NOT SENT') break;
      }
      await session.settle(reports.filter((r) => r.outcome !== 'NOT SENT').at(-1));
    }
  } finally {
    await session.close();
  }
  return { events: reports, startup, restarts: session.restarts };
}

/**
 * A listener that copes with ASCII events and goes wrong on a non-ASCII one or on the event right
 * after it: `len` counts characters, so one that reads len bytes stops short and takes the rest of
 * the payload for the start of the next header. Confirmed by sending the faulty event again to a
 * fresh listener, alone (after a non-ASCII one) or as its ASCII twin: if it then goes through
 * cleanly, the non-ASCII text was the cause.
 */
async function diagnoseEncoding(options: ScriptRunOptions, events: readonly BenchEvent[], reports: EventReport[]): Promise<void> {
  const clean = (r: EventReport): boolean => r.outcome === 'OK' || (r.outcome === 'FAIL' && r.faults.length === 0);
  const asciiClean = reports.some((r, i) => isAscii(r.event) && (i === 0 || isAscii(reports[i - 1]!.event)) && clean(r));
  if (!asciiClean) return;
  for (const [i, report] of reports.entries()) {
    if (clean(report) || report.outcome === 'NOT SENT') continue;
    const previous = i > 0 ? reports[i - 1]! : undefined;
    if (!isAscii(report.event)) {
      const twin = asciiTwin(report.event);
      if (twin && (await cleanAlone(options, { event: twin, label: '' }, i))) report.faults.push(nonAsciiFault(report.event, report));
    } else if (previous && !isAscii(previous.event) && clean(previous) && (await cleanAlone(options, events[i]!, i))) {
      report.faults.push(lenInBytesFault(previous));
    }
  }
}

async function cleanAlone(options: ScriptRunOptions, item: BenchEvent, index: number): Promise<boolean> {
  const envelope = { ...options.envelope, firstSerial: options.envelope.firstSerial + index, firstPoolserial: options.envelope.firstPoolserial + index };
  const { events, startup } = await runSession({ ...options, envelope }, [item]);
  return startup.length === 0 && events[0]!.outcome === 'OK' && events[0]!.faults.length === 0;
}

/** The event after a non-ASCII one fails, yet goes through alone: the rest of the last payload was left unread. */
function lenInBytesFault(previous: EventReport): Fault {
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
function nonAsciiFault(event: SupervisorEvent, report: EventReport): Fault {
  const { bytes, characters } = payloadSize(event);
  const blocked = report.faults.some((f) => f.code === 'SUP_ERR_BENCH_NO_RESULT');
  return {
    code: 'SUP_ERR_BENCH_NON_ASCII',
    message:
      `the listener copes with ASCII but went wrong on this event, whose ASCII twin goes through cleanly: its payload is ${characters} characters in ${bytes} bytes` +
      (blocked ? ', and the listener waited for more input than that: it reads more than len characters' : ''),
    cure: 'treat the payload as UTF-8 text: read len characters, and write it only where UTF-8 goes (a file or stream opened with encoding="utf-8")',
  };
}

function payloadSize(event: SupervisorEvent): { bytes: number; characters: number } {
  const payload = renderPayload(event);
  return { bytes: Buffer.byteLength(payload, 'utf8'), characters: [...payload].length };
}

/** The event with every non-ASCII character replaced by "?": the same shape, in ASCII. */
function asciiTwin(event: SupervisorEvent): SupervisorEvent | null {
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
