// Runs one condition of the suite: our supervisord with the writer programs and the consumers a
// scenario names, its stdout where launch.ts puts it; waits for the end (every program exited,
// every consumer holding each program's last line), stops it with SIGTERM, then checks every
// consumer with lines.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { LastLineWatch } from './last-line-watch.js';
import { CONDITION_FIXTURES as FIXTURES, launch, stopLeftovers, streamsFor, type StdoutKind, type Stream } from './launch.js';
import { checkListenerRows, checkLogFile, checkPluginRows, checkStream, Findings, lastLineStart, type Program } from './lines.js';

const END_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 30_000;
/** REMOTE_COMMUNICATION data sent to the listener pool once every line is out */
const END_MARKER = 'conditions: every line was published before this event';

export interface ProgramSpec extends Program {
  /** lines per write(2) (default 1) */
  perWrite?: number;
  /** seconds between writes: a program printing now and then */
  interval?: number;
  /** odd lines on stderr (with redirect_stderr=true) */
  alternateStderr?: boolean;
  /** stdout_logfile=/dev/stdout instead of a file in the run's directory */
  devStdout?: boolean;
  /** more keys of its [program:x] section */
  keys?: string[];
}

/** The bursts every condition runs, with the figures of the issue. */
export const BURSTS: Record<'ascii' | 'batch' | 'utf8' | 'big', ProgramSpec> = {
  // 100,000 short ASCII lines as fast as it can, one write(2) per line
  ascii: { name: 'ascii', kind: 'ascii', count: 100_000 },
  // 100 lines per write(2)
  batch: { name: 'batch', kind: 'ascii', count: 20_000, perWrite: 100 },
  // é, 日本, 🙂: 2 to 4 bytes a character
  utf8: { name: 'utf8', kind: 'utf8', count: 20_000 },
  // 100 KiB lines; log_line_maxbytes above them, so line consumers get them whole
  big: { name: 'big', kind: 'big', count: 30, keys: ['log_line_maxbytes=1MB'] },
};

export interface Scenario {
  label: string;
  stdout: StdoutKind;
  programs: ProgramSpec[];
  /** stdout-prefix in text mode ({program} | {line}) for these programs, on this stream */
  prefixed?: { programs: string[]; output: 'stdout' | 'stderr' };
  /** stdout-prefix in JSON mode */
  json?: { programs: string[]; output: 'stdout' | 'stderr' };
  /** the in-process plugin recording lines with their cut marks */
  plugin?: string[];
  /** a supervisor.childutils listener pool with default settings (their *_events_enabled is set) */
  listener?: string[];
  /** an in-process plugin that blocks the event loop `ms` per PROCESS_LOG event of `program` */
  stall?: { program: string; ms: number };
  /** a program restarted every 0.2 s (a short job under autorestart): main log lines all along the run */
  churn?: boolean;
}

/** What each consumer of a run showed: one Findings per consumer, by name. */
export class ConditionResult {
  constructor(
    readonly label: string,
    readonly findings: Findings[],
  ) {}

  /** Fails with every problem of the consumers whose name contains `part`. */
  assertClean(part: string): void {
    const found = this.findings.filter((f) => f.consumer.includes(part));
    assert.ok(found.length > 0, `no consumer named like ${JSON.stringify(part)} in ${this.findings.map((f) => f.consumer).join(', ')}`);
    const bad = found.filter((f) => !f.clean);
    if (bad.length) assert.fail(`${this.label}:\n${bad.map((f) => f.report()).join('\n')}`);
  }
}

function programSection(p: ProgramSpec, dir: string, events: boolean): string {
  const args = [p.name, p.kind, String(p.count)];
  if (p.perWrite) args.push('--per-write', String(p.perWrite));
  if (p.interval) args.push('--interval', String(p.interval));
  if (p.alternateStderr) args.push('--alternate-stderr');
  const keys = [
    `command=${FIXTURES}/writer.py ${args.join(' ')}`,
    'startsecs=0',
    'autorestart=false',
    `stdout_logfile=${p.devStdout ? '/dev/stdout' : path.join(dir, `${p.name}.log`)}`,
    'stdout_logfile_maxbytes=0',
    ...(events ? ['stdout_events_enabled=true', 'stderr_events_enabled=true'] : []),
    ...(p.keys ?? []),
  ];
  return `[program:${p.name}]\n${keys.join('\n')}\n`;
}

function writeConfig(s: Scenario, dir: string): string {
  const sections = s.programs.map((p) => programSection(p, dir, s.listener?.includes(p.name) ?? false));
  if (s.churn) sections.push('[program:churn]\ncommand=sleep 0.2\nstartsecs=0\nautorestart=true\nstdout_logfile=NONE\nstderr_logfile=NONE\n');
  if (s.prefixed) sections.push(`[plugin:prefix]\nmodule=stdout-prefix\nprograms=${s.prefixed.programs.join(',')}\nformat={program} | {line}\noutput=${s.prefixed.output}\n`);
  if (s.json) sections.push(`[plugin:json]\nmodule=stdout-prefix\nprograms=${s.json.programs.join(',')}\nmode=json\noutput=${s.json.output}\n`);
  if (s.plugin) sections.push(`[plugin:record]\nmodule=${FIXTURES}/record-lines.mjs\nprograms=${s.plugin.join(',')}\nfile=${dir}/plugin-lines.jsonl\n`);
  if (s.stall) sections.push(`[plugin:stall]\nmodule=${FIXTURES}/stall-plugin.mjs\nprograms=${s.stall.program}\nms=${s.stall.ms}\n`);
  if (s.listener) {
    // default pool settings on purpose (buffer_size, buffer_overflow): a pool must lose no line as it comes
    sections.push(`[eventlistener:record]\ncommand=${FIXTURES}/record-log-listener.py ${dir}/listener-lines.jsonl\nevents=PROCESS_LOG,REMOTE_COMMUNICATION\n`);
    // for the end marker (supervisor.sendRemoteCommEvent)
    sections.push(`[unix_http_server]\nfile=${dir}/supervisor.sock\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`);
  }
  const file = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(file, `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n\n${sections.join('\n')}`);
  return file;
}

/** `exited: NAME (...)` lines of the main log: program name -> expected or not. */
function exits(mainLog: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of mainLog.matchAll(/ exited: (\w+) \((.*?)\)$/gm)) out.set(m[1]!, m[2]!.endsWith('; expected'));
  return out;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the scenario to its end and checks every consumer. */
export async function runCondition(s: Scenario): Promise<ConditionResult> {
  const dir = makeTempDir(`sv-cond-${s.label}-`);
  const conf = writeConfig(s, dir);
  const streams = streamsFor(s.stdout, dir);
  const run = new Findings('the run: every program exits, every consumer gets its last lines, supervisord stops on SIGTERM');
  const byName = new Map(s.programs.map((p) => [p.name, p]));
  const named = (names: readonly string[] | undefined): ProgramSpec[] => (names ?? []).map((n) => byName.get(n)!);
  const raw = s.programs.filter((p) => p.devStdout);
  const on = (stream: Stream, spec: Scenario['prefixed']): ProgramSpec[] => (spec && stream.carries.includes(spec.output) ? named(spec.programs) : []);
  const rawOn = (stream: Stream): ProgramSpec[] => (stream.carries.includes('stdout') ? raw : []);

  // the end condition: each program's last line, once per consumer that should get it
  const needles = (...programs: ProgramSpec[][]): Map<string, number> => {
    const wanted = new Map<string, number>();
    for (const p of programs.flat()) wanted.set(lastLineStart(p), (wanted.get(lastLineStart(p)) ?? 0) + 1);
    return wanted;
  };
  const watches = [
    ...s.programs.filter((p) => !p.devStdout).map((p) => new LastLineWatch(path.join(dir, `${p.name}.log`), needles([p]))),
    ...streams.filter((st) => st.awaited).map((st) => new LastLineWatch(st.file, needles(rawOn(st), on(st, s.prefixed), on(st, s.json)))),
  ];
  if (s.plugin) watches.push(new LastLineWatch(path.join(dir, 'plugin-lines.jsonl'), needles(named(s.plugin))));
  // a pool that drops may never show a program's last line: once every line was published (the
  // other consumers have theirs), a marker event queued behind them says the pool sent what it kept
  const listenerEnd = s.listener ? new LastLineWatch(path.join(dir, 'listener-lines.jsonl'), new Map([[JSON.stringify(END_MARKER), 1]])) : undefined;

  const started = Date.now();
  const launched = launch(s.stdout, dir, conf);
  let ended = false;
  void launched.done.then(() => (ended = true));
  const mainLogFile = path.join(dir, 'supervisord.log');
  let allExited = 0;
  try {
    let markerSent = false;
    for (let pending = watches; ; await sleep(100)) {
      const exited = exits(readText(mainLogFile));
      if (!allExited && s.programs.every((p) => exited.has(p.name))) allExited = Date.now();
      pending = pending.filter((w) => !w.poll());
      if (allExited && pending.length === 0 && listenerEnd && !markerSent) {
        markerSent = true;
        pending = [listenerEnd];
        try {
          await rpcCall(path.join(dir, 'supervisor.sock'), 'supervisor.sendRemoteCommEvent', ['end', END_MARKER]);
        } catch (err) {
          run.add(`sendRemoteCommEvent failed: ${(err as Error).message}`);
          break;
        }
      }
      if (allExited && pending.length === 0) break;
      if (ended || Date.now() - started > END_TIMEOUT_MS) {
        const waiting = s.programs.filter((p) => !exited.has(p.name)).map((p) => `${p.name} never exited`);
        run.add(`${ended ? 'supervisord ended on its own' : `timed out after ${END_TIMEOUT_MS / 1000} s`}: ${[...waiting, ...pending.flatMap((w) => w.missing())].join('; ')}`);
        break;
      }
    }
    for (const [name, expected] of exits(readText(mainLogFile))) if (byName.has(name) && !expected) run.add(`${name} exited unexpectedly (SV_CONDITIONS_KEEP=1 keeps its stderr log)`);
    const stopping = Date.now();
    launched.child.kill('SIGTERM');
    const status = await within(launched.done, EXIT_TIMEOUT_MS);
    if (!status) run.add(`supervisord still running ${EXIT_TIMEOUT_MS / 1000} s after SIGTERM`);
    else if (status.code !== 0) run.add(`supervisord exited with ${status.code ?? status.signal} after SIGTERM: ${launched.diagnostics()}`);
    const seconds = (from: number, to: number): string => `${((to - from) / 1000).toFixed(1)} s`;
    console.log(
      `# ${s.label}: programs exited after ${seconds(started, allExited || stopping)}, every consumer had its last lines after ${seconds(started, stopping)}, ` +
        `supervisord stopped in ${seconds(stopping, Date.now())}${process.env.SV_CONDITIONS_KEEP ? ` (kept: ${dir})` : ''}`,
    );
  } finally {
    stopLeftovers(launched.child, dir);
  }

  const mainLog = readText(mainLogFile).split('\n').slice(0, -1);
  const findings = [run];
  for (const p of s.programs.filter((p) => !p.devStdout)) findings.push(checkLogFile(readText(path.join(dir, `${p.name}.log`)), `${p.name}.log`, p));
  for (const st of streams) {
    findings.push(
      ...checkStream(path.basename(st.file), readText(st.file), {
        raw: rawOn(st),
        prefixed: on(st, s.prefixed),
        json: on(st, s.json),
        mainLog: st.carries.includes('stdout') ? mainLog : null,
        terminal: st.terminal,
      }),
    );
  }
  if (s.plugin) findings.push(checkPluginRows(readText(path.join(dir, 'plugin-lines.jsonl')), 'plugin-lines.jsonl', named(s.plugin)));
  if (s.listener) findings.push(checkListenerRows(readText(path.join(dir, 'listener-lines.jsonl')), 'listener-lines.jsonl', named(s.listener)));
  if (!process.env.SV_CONDITIONS_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  return new ConditionResult(s.label, findings);
}
