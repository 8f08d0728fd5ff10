// supervisor-listener-test: runs an event listener command (any language) as supervisord would,
// feeds it events (a built-in sample of every type, or a recording of `supervisorctl events
// --json`) and reports each answer, its time, and every protocol fault with its cure.
import process from 'node:process';
import { shlexTokens } from '../config/shlex.js';
import { runPlugin } from '../listener-test/plugin-run.js';
import { readRecording, RecordingError } from '../listener-test/recording.js';
import { formatReport, isClean, type BenchEvent, type RunReport } from '../listener-test/report.js';
import { sampleEvents } from '../listener-test/samples.js';
import { runScript } from '../listener-test/script-run.js';
import { PluginConfigError } from '../plugins/errors.js';
import { exitWhenFlushed } from '../util/exit-when-flushed.js';

export const USAGE = `Usage: supervisor-listener-test [options] COMMAND [ARG ...]
       supervisor-listener-test [options] --plugin MODULE [-o KEY=VALUE ...]

Runs an [eventlistener:x] command as supervisord runs it (events on its stdin, answers on its
stdout, the exact bytes of Supervisor 4.2.5's protocol) and reports, per event, the answer (OK or
FAIL), the time it took and every protocol fault with what to change. Exit status 0 only when
every event was answered OK with no fault; 1 otherwise; 2 for a usage error.

COMMAND is run without a shell; given as one argument with spaces it is split as command= is.

Options:
  --events FILE        replay FILE, recorded with: supervisorctl events --json > FILE
                       (default: a built-in sample of every event type: non-ASCII and
                       multi-line payloads, REMOTE_COMMUNICATION, ticks)
  --plugin MODULE      run an in-process plugin (a .mjs/.js module, or a built-in name) on the
                       same events instead of a command; -o KEY=VALUE sets its options
                       (and events=, call_timeout=, flush_timeout= as in [plugin:x])
  --ready-timeout S    seconds the listener has to write READY (default 5)
  --timeout S          seconds it has to answer an event (default 10)
  --settle S           seconds to watch for stray output after the last answer (default 0.2)
  --pool NAME          the envelope's pool name, and SUPERVISOR_PROCESS_NAME (default listener)
  --server ID          the envelope's server identifier (default supervisor)
  --serial N           the first event's serial (default 0); --poolserial N its poolserial (0)
  --env KEY=VALUE      set a variable in the listener's environment, as environment= does
                       (repeatable). The listener gets the bench's environment without
                       PYTHONUNBUFFERED, so a Python listener that does not flush fails here
                       as it would under a supervisord started without it
  --verbose            copy the listener's stderr to ours as it comes
  -h, --help           this text`;

class UsageError extends Error {}

interface BenchArgs {
  command: string[];
  plugin: string | null;
  pluginArgs: string[];
  eventsFile: string | null;
  readyTimeoutMs: number;
  resultTimeoutMs: number;
  settleMs: number;
  pool: string;
  server: string;
  serial: number;
  poolserial: number;
  verbose: boolean;
  env: Record<string, string>;
  help: boolean;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    command: [], plugin: null, pluginArgs: [], eventsFile: null, readyTimeoutMs: 5000, resultTimeoutMs: 10_000, settleMs: 200,
    pool: 'listener', server: 'supervisor', serial: 0, poolserial: 0, verbose: false, env: {}, help: false,
  };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    return v;
  };
  const secondsMs = (text: string, name: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} ${text}: not a positive number of seconds`);
    return n * 1000;
  };
  const count = (text: string, name: string): number => {
    if (!/^\d+$/.test(text)) throw new UsageError(`${name} ${text}: not a whole number`);
    return Number(text);
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const raw = argv[i]!;
    if (raw === '--') {
      i++;
      break;
    }
    if (!raw.startsWith('-') || raw === '-') break;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const name = eq > 0 ? raw.slice(0, eq) : raw;
    const take = (): string => (eq > 0 ? raw.slice(eq + 1) : value(++i, name));
    switch (name) {
      case '-h':
      case '--help': args.help = true; break;
      case '--verbose': args.verbose = true; break;
      case '--env': {
        const setting = take();
        const at = setting.indexOf('=');
        if (at <= 0) throw new UsageError(`--env ${setting}: not KEY=VALUE`);
        args.env[setting.slice(0, at)] = setting.slice(at + 1);
        break;
      }
      case '--events': args.eventsFile = take(); break;
      case '--plugin': args.plugin = take(); break;
      case '-o':
      case '--option': args.pluginArgs.push(take()); break;
      case '--ready-timeout': args.readyTimeoutMs = secondsMs(take(), name); break;
      case '--timeout': args.resultTimeoutMs = secondsMs(take(), name); break;
      case '--settle': args.settleMs = secondsMs(take(), name); break;
      case '--pool': args.pool = take(); break;
      case '--server': args.server = take(); break;
      case '--serial': args.serial = count(take(), name); break;
      case '--poolserial': args.poolserial = count(take(), name); break;
      default: throw new UsageError(`unknown option ${raw}`);
    }
  }
  args.command = argv.slice(i);
  if (args.command.length === 1 && /\s/.test(args.command[0]!)) args.command = shlexTokens(args.command[0]!);
  if (args.help) return args;
  if (args.plugin !== null && args.command.length) throw new UsageError('give a COMMAND or --plugin, not both');
  if (args.plugin === null && args.command.length === 0) throw new UsageError('no listener command given');
  if (args.plugin === null && args.pluginArgs.length) throw new UsageError('-o is for --plugin');
  return args;
}

/** The bench's environment without PYTHONUNBUFFERED (which hides a missing flush), then supervisord's variables and --env. */
function listenerEnv(args: BenchArgs): NodeJS.ProcessEnv {
  const { PYTHONUNBUFFERED: _hidesMissingFlush, ...inherited } = process.env;
  return { ...inherited, SUPERVISOR_ENABLED: '1', SUPERVISOR_PROCESS_NAME: args.pool, SUPERVISOR_GROUP_NAME: args.pool, ...args.env };
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`supervisor-listener-test: ${err.message}\n${USAGE}\n`);
    return exitWhenFlushed(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return exitWhenFlushed(0);
  }
  let events: BenchEvent[];
  let source: string;
  try {
    events = args.eventsFile === null ? sampleEvents() : readRecording(args.eventsFile);
    source = args.eventsFile === null ? `the built-in sample (${events.length} events)` : `${args.eventsFile} (${events.length} events)`;
  } catch (err) {
    if (!(err instanceof RecordingError)) throw err;
    process.stderr.write(`supervisor-listener-test: ${err.message}\n`);
    return exitWhenFlushed(2);
  }
  let run: RunReport;
  let what: string;
  if (args.plugin !== null) {
    what = `plugin ${args.plugin}, ${source}`;
    try {
      run = await runPlugin({ module: args.plugin, args: args.pluginArgs, log: (line) => process.stderr.write(`${line}\n`) }, events);
    } catch (err) {
      if (!(err instanceof PluginConfigError)) throw err;
      process.stderr.write(`supervisor-listener-test: ${err.message}\n`);
      return exitWhenFlushed(2);
    }
  } else {
    what = `${args.command.join(' ')}, ${source}`;
    run = await runScript(
      {
        command: {
          argv: args.command,
          env: listenerEnv(args),
          ...(args.verbose ? { echoStderr: (chunk: Buffer) => process.stderr.write(chunk) } : {}),
        },
        envelope: { server: args.server, pool: args.pool, firstSerial: args.serial, firstPoolserial: args.poolserial },
        readyTimeoutMs: args.readyTimeoutMs,
        resultTimeoutMs: args.resultTimeoutMs,
        settleMs: args.settleMs,
      },
      events,
    );
  }
  process.stdout.write(formatReport(run, what));
  return exitWhenFlushed(isClean(run) ? 0 : 1);
}
