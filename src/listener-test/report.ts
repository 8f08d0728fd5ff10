// The bench's report: one line per event (its number, the answer, the time taken, the type), each
// fault under it with its cure, then a summary. Exit status 0 only when every event was answered OK
// with no fault.
import type { SupervisorEvent } from '../events/types.js';
import type { Fault } from './faults.js';

export interface BenchEvent {
  event: SupervisorEvent;
  /** what the sample tries ("emoji"), or '' */
  label: string;
}

export interface EventReport {
  /** 1-based position in the run */
  index: number;
  event: SupervisorEvent;
  label: string;
  /** OK / FAIL: the answer as supervisord takes it; NO ANSWER: none came; NOT SENT: the listener could not take it; SKIPPED: a plugin not subscribed to it */
  outcome: 'OK' | 'FAIL' | 'NO ANSWER' | 'NOT SENT' | 'SKIPPED';
  /** milliseconds from sending the event to its answer */
  ms: number | null;
  faults: Fault[];
}

export interface RunReport {
  events: EventReport[];
  /** faults before the first event (never READY, no such command) */
  startup: Fault[];
  /** faults after the last event (a plugin's flush) */
  after?: Fault[];
  /** times the listener was started again after a fault */
  restarts: number;
}

export function isClean(run: RunReport): boolean {
  return run.startup.length === 0 && (run.after ?? []).length === 0 && run.events.every((e) => (e.outcome === 'OK' || e.outcome === 'SKIPPED') && e.faults.length === 0);
}

/** Each fault once in full; the same fault again (a listener broken the same way on every event) by reference. */
class FaultLines {
  private readonly seen = new Map<string, string>();

  lines(faults: readonly Fault[], where: string): string[] {
    return faults.map((f) => {
      const text = `${f.message}: ${f.cure}`;
      const first = this.seen.get(text);
      if (first !== undefined) return `      the same as ${first} [${f.code}]`;
      this.seen.set(text, where);
      return `      ${text} [${f.code}]`;
    });
  }
}

export function formatReport(run: RunReport, what: string): string {
  const lines = [`supervisor-listener-test: ${what}`];
  const faultLines = new FaultLines();
  if (run.startup.length) lines.push('  before the first event:', ...faultLines.lines(run.startup, 'before the first event'));
  const width = String(run.events.length).length;
  for (const report of run.events) {
    const time = report.ms === null ? '' : `${report.ms.toFixed(1)} ms`;
    const label = report.label ? ` (${report.label})` : '';
    lines.push(`  #${String(report.index).padStart(width)} ${report.outcome.padEnd(9)} ${time.padStart(10)}  ${report.event.type}${label}`);
    lines.push(...faultLines.lines(report.faults, `#${report.index}`));
  }
  if (run.after?.length) lines.push('  after the last event:', ...faultLines.lines(run.after, 'after the last event'));
  const count = (outcome: EventReport['outcome']): number => run.events.filter((e) => e.outcome === outcome).length;
  const faults = run.startup.length + (run.after ?? []).length + run.events.reduce((n, e) => n + e.faults.length, 0);
  const parts = [`${run.events.length} events`, `${count('OK')} OK`, `${count('FAIL')} FAIL`];
  if (count('NO ANSWER')) parts.push(`${count('NO ANSWER')} not answered`);
  if (count('NOT SENT')) parts.push(`${count('NOT SENT')} not sent`);
  if (count('SKIPPED')) parts.push(`${count('SKIPPED')} skipped`);
  parts.push(`${faults} fault${faults === 1 ? '' : 's'}`);
  if (run.restarts) parts.push(`${run.restarts} restart${run.restarts === 1 ? '' : 's'}`);
  lines.push(`${parts.join(', ')}: ${isClean(run) ? 'clean' : 'NOT clean'}`);
  return lines.join('\n') + '\n';
}
