// Runs a listener command as a pool of one would: waits for READY, writes each event's envelope
// (encodeEnvelope, the pool's own code, so the bytes are the ones supervisord sends), reads the
// answer through the pool's ListenerProtocol, and hands what the listener wrote to diagnoses.ts.
// After a fault the listener is restarted for the next event, as our pools do.
import { encodeEnvelope, type EnvelopeFields } from '../events/envelope.js';
import type { SupervisorEvent } from '../events/types.js';
import { afterResult, asciiTwin, badResultLine, chatter, isAscii, judgeAnswer, lenInBytes, neverReady, noReadyAfterResult, noResult, nonAscii } from './diagnoses.js';
import { ListenerChild, type Happening, type ListenerCommand } from './listener-child.js';
import { exitWords, quote, type Fault } from './faults.js';
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
      if (happening === 'timeout') return [neverReady(this.child.sinceMark, this.options.readyTimeoutMs, when)];
      if (happening.kind === 'state' && happening.to === 'READY') {
        this.child.mark();
        return [];
      }
      const fault = this.startFault(happening, when);
      if (fault) return [fault];
    }
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
        return chatter(happening.bytes, `${when}, where only READY\\n may come`);
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
        report.faults.push(chatter(happening.bytes, 'while READY (before this event was sent)'));
        this.broken = true;
      }
    }
  }

  private async awaitResult(report: EventReport, started: number): Promise<Buffer | null> {
    const deadline = Date.now() + this.options.resultTimeoutMs;
    for (;;) {
      const happening = await this.child.next(deadline);
      if (happening === 'timeout') {
        report.faults.push(noResult(this.child.protocol.pendingResult, this.child.sinceMark, this.options.resultTimeoutMs));
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
        case 'bad-result-line':
          report.faults.push(badResultLine(happening.line));
          this.broken = true;
          return null;
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


  private async awaitReadyAfter(body: Buffer, report: EventReport): Promise<void> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      const happening = await this.child.next(deadline);
      if (happening === 'timeout') {
        const fault = noReadyAfterResult(this.child.sinceMark, body, this.options.readyTimeoutMs);
        if (fault.code === 'SUP_ERR_BENCH_RESULT_LENGTH') report.faults = report.faults.filter((f) => f.code !== 'SUP_ERR_BENCH_ANSWER');
        report.faults.push(fault);
        this.broken = true;
        return;
      }
      switch (happening.kind) {
        case 'state':
          if (happening.to === 'READY') return;
          continue;
        case 'violation': {
          const fault = afterResult(this.child.sinceMark, body, happening.bytes);
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


  /** After the last event: what the listener writes while READY is stray output. */
  async settle(last: EventReport | undefined): Promise<void> {
    if (!last || this.broken) return;
    const deadline = Date.now() + this.options.settleMs;
    for (;;) {
      const happening = await this.child.next(deadline);
      if (happening === 'timeout') return;
      if (happening.kind === 'violation') {
        last.faults.push(chatter(happening.bytes, 'while READY, after its answer'));
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
  let startup: Fault[] = [];
  try {
    startup = await session.awaitReady('after it started');
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
      if (twin && (await cleanAlone(options, { event: twin, label: '' }, i))) report.faults.push(nonAscii(report));
    } else if (previous && !isAscii(previous.event) && clean(previous) && (await cleanAlone(options, events[i]!, i))) {
      report.faults.push(lenInBytes(previous));
    }
  }
}

async function cleanAlone(options: ScriptRunOptions, item: BenchEvent, index: number): Promise<boolean> {
  const envelope = { ...options.envelope, firstSerial: options.envelope.firstSerial + index, firstPoolserial: options.envelope.firstPoolserial + index };
  const { events, startup } = await runSession({ ...options, envelope }, [item]);
  return startup.length === 0 && events[0]!.outcome === 'OK' && events[0]!.faults.length === 0;
}

