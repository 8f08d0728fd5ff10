// [supervisord] statefile (beyond 4.2.5): the operator's last start or stop of each process, kept
// across restarts of supervisord (Supervisor #877, #1411). At the next start a process stopped by
// hand stays stopped and one started by hand starts even with autostart=false; the daemon's own
// starts and stops (autostart, autorestart, update, shutdown) are not decisions and are not kept.
import fs from 'node:fs';
import { writeFileAtomically } from '../util/atomic-file.js';

export type Decision = 'started' | 'stopped';

export type DecisionReportLevel = 'error' | 'warn' | 'info';

/** A process as the statefile names it. */
export interface DecisionSubject {
  group: string;
  name: string;
}

const FORMAT_VERSION = 1;

/** "group:name", the key of a process in the file */
export function decisionKey({ group, name }: DecisionSubject): string {
  return `${group}:${name}`;
}

/** The decisions in a statefile's text; throws an Error saying what is wrong with it. */
export function parseStatefile(text: string): Map<string, Decision> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new Error('not a JSON object');
  if (doc.version !== FORMAT_VERSION) throw new Error(`"version" is ${JSON.stringify(doc.version)}, not ${FORMAT_VERSION}`);
  if (!isObject(doc.processes)) throw new Error('"processes" is not an object');
  const decisions = new Map<string, Decision>();
  for (const [key, value] of Object.entries(doc.processes)) {
    if (value !== 'started' && value !== 'stopped') throw new Error(`"${key}" is ${JSON.stringify(value)}, not "started" or "stopped"`);
    decisions.set(key, value);
  }
  return decisions;
}

export function renderStatefile(decisions: ReadonlyMap<string, Decision>): string {
  const processes = Object.fromEntries([...decisions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ version: FORMAT_VERSION, processes }, null, 2)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The decisions of one statefile. Every change is on disk (written atomically) before the call
 * that made it returns, so an RPC answered is a decision kept, even if the daemon is killed next.
 * A file that cannot be written is reported once per episode; the decisions still hold in memory.
 */
export class OperatorDecisions {
  private writeFailing = false;

  private constructor(
    readonly file: string,
    private readonly decisions: Map<string, Decision>,
    private readonly report: (level: DecisionReportLevel, message: string) => void,
  ) {}

  /** Reads `file`: a missing file holds no decisions; an unreadable or damaged one is reported and ignored. */
  static open(file: string, report: (level: DecisionReportLevel, message: string) => void): OperatorDecisions {
    const ignored = 'it is ignored (every process follows its autostart) and replaced at the next start or stop';
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') report('warn', `cannot read the statefile ${file}: ${(err as Error).message}; ${ignored}`);
      return new OperatorDecisions(file, new Map(), report);
    }
    try {
      return new OperatorDecisions(file, parseStatefile(text), report);
    } catch (err) {
      report('warn', `the statefile ${file} is damaged (${(err as Error).message}): ${ignored}`);
      return new OperatorDecisions(file, new Map(), report);
    }
  }

  get(subject: DecisionSubject): Decision | undefined {
    return this.decisions.get(decisionKey(subject));
  }

  /** Records `decision` for each subject, in one write. */
  record(subjects: readonly DecisionSubject[], decision: Decision): void {
    let changed = false;
    for (const subject of subjects) {
      const key = decisionKey(subject);
      if (this.decisions.get(key) === decision) continue;
      this.decisions.set(key, decision);
      changed = true;
    }
    if (changed) this.save();
  }

  /** Forgets every process for which `keep` answers false (it left the config). */
  forgetUnless(keep: (key: string) => boolean): void {
    let changed = false;
    for (const key of [...this.decisions.keys()]) {
      if (keep(key)) continue;
      this.decisions.delete(key);
      changed = true;
    }
    if (changed) this.save();
  }

  private save(): void {
    try {
      writeFileAtomically(this.file, renderStatefile(this.decisions));
    } catch (err) {
      if (!this.writeFailing) {
        this.writeFailing = true;
        this.report('error', `cannot write the statefile ${this.file}: ${(err as Error).message}; start/stop decisions are kept in memory only until it works again`);
      }
      return;
    }
    if (this.writeFailing) {
      this.writeFailing = false;
      this.report('info', `writing the statefile ${this.file} again`);
    }
  }
}
