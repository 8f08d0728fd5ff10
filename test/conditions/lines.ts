// The conditions suite's parsing and checking: what each program writes (test/fixtures/conditions/
// writer.py, same formula), and the check every consumer gets: each line whole, in order, exactly
// once. Problems are collected per consumer with their place (file, line number) and capped, so
// that a failure says which consumer, which program, the first bad line and what was seen.

export type Kind = 'ascii' | 'utf8' | 'big';

/** One writer program, as the checks see it. */
export interface Program {
  name: string;
  kind: Kind;
  count: number;
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BIG = 100 * 1024;
const ALPHA_RUN = ALPHA.repeat(BIG / ALPHA.length + 2);
// code points, not UTF-16 units: the emoji are one character each, as in Python
const UNI = Array.from('é日本🙂ßü€ñ中😀');
const UNI_RUN = Array.from({ length: 6 }, () => UNI).flat();

/** The payload of line `seq` of a program of `kind`: writer.py's payload(). */
export function payloadFor(kind: Kind, seq: number): string {
  if (kind === 'utf8') {
    const start = seq % UNI.length;
    return UNI_RUN.slice(start, start + 1 + ((seq * 13) % 40)).join('');
  }
  const start = seq % ALPHA.length;
  return ALPHA_RUN.slice(start, start + (kind === 'big' ? BIG : (seq * 37) % 61));
}

/** The text of a program's last line up to its payload: what the end-of-run waits look for. */
export function lastLineStart(program: Program): string {
  return `${program.name} ${program.count - 1} `;
}

/** A main log line (4.2.5's format), which supervisord -n also prints on its stdout. */
export const MAIN_LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?:CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) /;

const MAX_PER_PROGRAM = 4;
const MAX_PER_CONSUMER = 12;

/** Text shown in a message: JSON-quoted (control characters visible), long text elided in the middle. */
export function show(text: string, max = 160): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, max / 2))}...(${text.length - max} chars)...${JSON.stringify(text.slice(-max / 2))}`;
}

/** Where `seen` departs from `expected`, with a little context of each. */
function difference(expected: string, seen: string): string {
  let at = 0;
  while (at < expected.length && at < seen.length && expected[at] === seen[at]) at++;
  const context = (s: string): string => show(s.slice(Math.max(0, at - 20), at + 60), 200);
  const lengths = seen.length === expected.length ? '' : ` (${seen.length} chars instead of ${expected.length})`;
  return `differs at char ${at}${lengths}: expected ...${context(expected)}, saw ...${context(seen)}`;
}

/** The problems one consumer shows: a summary per program, then the first problems found, capped. */
export class Findings {
  private readonly summaries: string[] = [];
  private readonly messages: string[] = [];
  private suppressed = 0;

  constructor(readonly consumer: string) {}

  add(message: string): void {
    if (this.messages.length < MAX_PER_CONSUMER) this.messages.push(message);
    else this.suppressed++;
  }

  /** A totals line: always kept, shown first. */
  summarize(message: string): void {
    this.summaries.push(message);
  }

  get clean(): boolean {
    return this.messages.length + this.summaries.length === 0;
  }

  report(): string {
    const more = this.suppressed ? [`... and ${this.suppressed} more problems`] : [];
    return [`[${this.consumer}]`, ...this.summaries, ...this.messages, ...more].join('\n  ');
  }
}

/**
 * One program's lines at one consumer: sequence numbers 0..count-1, each once, in order. A damaged
 * line is reported and left out of the sequence: its number may be damaged too (two lines run
 * together), and it was not received whole anyway.
 */
class ProgramTally {
  private readonly seen: Uint8Array;
  /** the next line expected: one past the highest whole line so far */
  private next = 0;
  private damaged = 0;
  private repeated = 0;
  private late = 0;
  private reported = 0;

  constructor(
    private readonly program: Program,
    private readonly findings: Findings,
  ) {
    this.seen = new Uint8Array(program.count);
  }

  /** A line of this program arrived (whole or not) at `where`. */
  see(seq: number, payload: string, where: string): void {
    if (seq >= this.program.count) return this.damage(`${where}: line ${seq} is past the last one (${this.program.count - 1}): ${show(payload)}`);
    const expected = payloadFor(this.program.kind, seq);
    if (payload !== expected) return this.damage(`${where}: line ${seq} damaged, ${difference(expected, payload)}`);
    if (this.seen[seq]) {
      this.repeated++;
      this.problem(`${where}: line ${seq} again`);
    } else if (seq < this.next) {
      this.late++;
      this.problem(`${where}: line ${seq} out of order, after line ${this.next - 1}`);
    } else if (seq > this.next) {
      this.problem(`${where}: line ${seq} came next, line ${this.next} expected (${seq - this.next} lines skipped)`);
    }
    this.seen[seq] = 1;
    this.next = Math.max(this.next, seq + 1);
  }

  /** Every line should have come by now. */
  end(): void {
    const missing = this.seen.length - this.seen.reduce((n, v) => n + v, 0);
    if (missing > 0 && this.reported < MAX_PER_PROGRAM) {
      const first = this.seen.indexOf(0);
      let last = first;
      while (last + 1 < this.seen.length && !this.seen[last + 1]) last++;
      this.problem(`first line never received whole: ${first}${last > first ? ` (lines ${first}..${last} in a row)` : ''}`);
    }
    if (missing + this.damaged + this.repeated + this.late > 0) {
      this.findings.summarize(
        `${this.program.name}: ${missing ? `${missing} of ${this.program.count} lines never received whole` : `all ${this.program.count} lines received whole`}; ${this.damaged} damaged lines, ` +
          `${this.repeated} repeated, ${this.late} out of order`,
      );
    }
  }

  private damage(message: string): void {
    this.damaged++;
    this.problem(message);
  }

  private problem(message: string): void {
    if (this.reported++ < MAX_PER_PROGRAM) this.findings.add(`${this.program.name}: ${message}`);
  }
}

const PROGRAM_LINE = /^([a-z0-9]+) (\d+) (.*)$/s;

/** A consumer that should get every line of `programs` (and no other program's). */
export class LineConsumer {
  readonly findings: Findings;
  private readonly tallies = new Map<string, ProgramTally>();
  private strays = 0;

  constructor(consumer: string, programs: readonly Program[]) {
    this.findings = new Findings(consumer);
    for (const p of programs) this.tallies.set(p.name, new ProgramTally(p, this.findings));
  }

  /** One line as this consumer got it; `labelled` is the program the consumer says it came from. */
  line(text: string, where: string, labelled?: string): void {
    const m = PROGRAM_LINE.exec(text);
    const tally = m ? this.tallies.get(m[1]!) : undefined;
    if (!m || !tally) {
      if (this.strays++ < MAX_PER_PROGRAM) this.findings.add(`${where}: not a whole line of a program sent here: ${show(text)}`);
      return;
    }
    if (labelled !== undefined && labelled !== m[1]) this.findings.add(`${where}: a line of ${m[1]} labelled ${labelled}: ${show(text)}`);
    tally.see(Number(m[2]), m[3]!, where);
  }

  end(): Findings {
    for (const tally of this.tallies.values()) tally.end();
    if (this.strays > 0) this.findings.summarize(`${this.strays} lines that are not whole lines of a program sent here`);
    return this.findings;
  }
}

/** The lines of a file's text; a last line without its newline is a problem (a cut line). */
export function splitLines(text: string, where: string, findings: Findings, terminal = false): string[] {
  const lines = text.split('\n');
  const tail = lines.pop()!;
  if (tail !== '') findings.add(`${where}: ends inside a line: ${show(tail)}`);
  if (!terminal) return lines;
  // a terminal's onlcr turns every \n into \r\n
  return lines.map((line, i) => {
    if (line.endsWith('\r')) return line.slice(0, -1);
    findings.add(`${where}:${i + 1}: a newline without the terminal's \\r: ${show(line)}`);
    return line;
  });
}

/** A regular log file of one program: exactly its lines, as written. */
export function checkLogFile(text: string, file: string, program: Program): Findings {
  const consumer = new LineConsumer(`log file ${file}`, [program]);
  splitLines(text, file, consumer.findings).forEach((line, i) => consumer.line(line, `${file}:${i + 1}`));
  return consumer.end();
}

/** What one captured stream of supervisord (its stdout, its stderr, or a terminal showing both) should hold. */
export interface StreamExpectation {
  /** programs whose stdout_logfile is /dev/stdout: their lines as written */
  raw: readonly Program[];
  /** stdout-prefix text mode ({program} | {line}), coloured or not */
  prefixed: readonly Program[];
  /** stdout-prefix JSON mode */
  json: readonly Program[];
  /** supervisord -n echoes the main log here: it should hold exactly these lines, in order */
  mainLog: readonly string[] | null;
  terminal: boolean;
}

/** The main log lines of a stream against the main log file: each once, in order. */
class MainLogCheck {
  readonly findings: Findings;
  private at = 0;
  private missing = 0;
  private foreign = 0;

  constructor(
    consumer: string,
    private readonly expected: readonly string[] | null,
  ) {
    this.findings = new Findings(consumer);
  }

  line(line: string, where: string): void {
    if (this.expected === null) return this.findings.add(`${where}: a main log line on this stream: ${show(line)}`);
    if (line === this.expected[this.at]) return void this.at++;
    const index = this.expected.indexOf(line, this.at);
    if (index < 0) {
      this.foreign++;
      return this.findings.add(`${where}: not the main log file's line (damaged, repeated or out of order): ${show(line)}`);
    }
    this.missing += index - this.at;
    this.findings.add(`${where}: main log lines ${this.at + 1}..${index} missing before this one; the first: ${show(this.expected[this.at]!)}`);
    this.at = index + 1;
  }

  end(label: string): Findings {
    if (this.expected === null) return this.findings;
    if (this.at < this.expected.length) {
      this.missing += this.expected.length - this.at;
      this.findings.add(`the last ${this.expected.length - this.at} main log lines are not on ${label}; the first: ${show(this.expected[this.at]!)}`);
    }
    if (this.missing + this.foreign > 0) this.findings.summarize(`${this.missing} of the ${this.expected.length} main log lines missing, ${this.foreign} lines not as in the file`);
    return this.findings;
  }
}

// a colour (color=auto on a terminal) wraps the prefix: an SGR code, then a reset
const PREFIXED_LINE = /^(\x1b\[[\d;]*m)?([a-z0-9]+) \| (\x1b\[0?m)?/;
const JSON_KEYS = 'time,program,group,stream,pid,line';

/**
 * Every line of a captured stream is classified: a main log line, a raw program line, a prefixed
 * line or a JSON line. One that fits none (a main log line landing inside another line, a line cut
 * in two) is a problem of the stream itself; each kind's lines then go to that kind's check.
 */
export function checkStream(label: string, text: string, expect: StreamExpectation): Findings[] {
  const stream = new Findings(`${label}: every line fits a format`);
  const raw = new LineConsumer(`${label}: /dev/stdout lines`, expect.raw);
  const prefixed = new LineConsumer(`${label}: stdout-prefix text lines`, expect.prefixed);
  const json = new LineConsumer(`${label}: stdout-prefix JSON lines`, expect.json);
  const mainLog = new MainLogCheck(`${label}: main log lines`, expect.mainLog);
  let unfit = 0;
  const unfitting = (where: string, why: string, line: string): void => {
    unfit++;
    stream.add(`${where}: ${why}: ${show(line)}`);
  };
  const lines = splitLines(text, label, stream, expect.terminal);
  lines.forEach((line, i) => {
    const where = `${label}:${i + 1}`;
    if (MAIN_LOG_LINE.test(line)) return mainLog.line(line, where);
    if (line.startsWith('{')) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return unfitting(where, 'not a JSON object', line);
      }
      if (Object.keys(record).join(',') !== JSON_KEYS || typeof record.line !== 'string') return unfitting(where, `not a stdout-prefix JSON line (keys ${JSON_KEYS})`, line);
      if (expect.json.length === 0) return unfitting(where, 'a JSON line where none is expected', line);
      return json.line(record.line, where, String(record.program));
    }
    const m = PREFIXED_LINE.exec(line);
    if (m) {
      if (Boolean(m[1]) !== Boolean(m[3])) return unfitting(where, 'a colour code opened and not closed (or the reverse)', line);
      if (expect.prefixed.length === 0) return unfitting(where, 'a prefixed line where none is expected', line);
      return prefixed.line(line.slice(m[0].length), where, m[2]);
    }
    if (PROGRAM_LINE.test(line) && expect.raw.some((p) => line.startsWith(`${p.name} `))) return raw.line(line, where);
    unfitting(where, 'fits no format (main log, /dev/stdout, prefixed, JSON)', line);
  });
  if (unfit > 0) stream.summarize(`${unfit} of ${lines.length} lines fit no format`);
  const out = [stream, mainLog.end(label)];
  if (expect.raw.length) out.push(raw.end());
  if (expect.prefixed.length) out.push(prefixed.end());
  if (expect.json.length) out.push(json.end());
  return out;
}

/** A row of test/fixtures/conditions/record-lines.mjs: one line (or piece) as the plugin got it. */
interface PluginRow {
  p: string;
  s: string;
  t: string;
  c: 'split' | 'partial' | null;
}

/**
 * The in-process plugin's lines: 'split' pieces (a line longer than log_line_maxbytes) are joined
 * with the pieces that follow. Our programs write every line whole in one write(2), so a 'partial'
 * piece is a problem of its own; it is joined too, so that the sequence check still sees the line.
 */
export function checkPluginRows(text: string, file: string, programs: readonly Program[]): Findings {
  const consumer = new LineConsumer(`in-process plugin ${file}`, programs);
  const pending = new Map<string, { pieces: string[]; where: string }>();
  let partials = 0;
  splitLines(text, file, consumer.findings).forEach((row, i) => {
    const where = `${file}:${i + 1}`;
    let r: PluginRow;
    try {
      r = JSON.parse(row) as PluginRow;
    } catch {
      return consumer.findings.add(`${where}: not JSON: ${show(row)}`);
    }
    const key = `${r.p}/${r.s}`;
    const held = pending.get(key) ?? { pieces: [], where };
    held.pieces.push(r.t);
    if (r.c === 'partial' && partials++ < MAX_PER_PROGRAM) {
      consumer.findings.add(`${where}: ${r.p} ${r.s}: a piece marked 'partial' of a line written whole: ${show(r.t, 100)}`);
    }
    if (r.c !== null) return void pending.set(key, held);
    pending.delete(key);
    consumer.line(held.pieces.join(''), held.where, r.p);
  });
  if (partials > 0) consumer.findings.summarize(`${partials} pieces marked 'partial' (lines written whole in one write(2))`);
  for (const [key, held] of pending) consumer.findings.add(`${held.where}: ${key}: a cut line whose last piece never came: ${show(held.pieces.join(''))}`);
  return consumer.end();
}

/** A row of test/fixtures/conditions/record-log-listener.py: one PROCESS_LOG payload's data, or the end marker. */
interface ListenerRow {
  p: string;
  s: string;
  d: string;
  end?: string;
}

/** The childutils listener's payloads: whole lines, each with its newline. */
export function checkListenerRows(text: string, file: string, programs: readonly Program[]): Findings {
  const consumer = new LineConsumer(`listener pool ${file}`, programs);
  splitLines(text, file, consumer.findings).forEach((row, i) => {
    const where = `${file}:${i + 1}`;
    let r: ListenerRow;
    try {
      r = JSON.parse(row) as ListenerRow;
    } catch {
      return consumer.findings.add(`${where}: not JSON: ${show(row)}`);
    }
    if (r.end !== undefined) return;
    splitLines(r.d, `${where} (${r.p} payload)`, consumer.findings).forEach((line) => consumer.line(line, where, r.p));
  });
  return consumer.end();
}
