// The public plugin API (`supervisor-ts/plugin`): what a plugin declares and what it is given.
// Plugins see events in and this small context out, never the core's objects, so the same
// plugin runs in-process under [plugin:x] and as an [eventlistener:x] through the listener SDK.
import type { EventTypeName, ProcessStateName, SupervisorEvent } from '../events/types.js';

export type {
  EventTypeName,
  ProcessCommunicationEvent,
  ProcessGroupEvent,
  ProcessHealthEvent,
  ProcessLogEvent,
  ProcessMemoryLimitEvent,
  ProcessStateEvent,
  ProcessStateName,
  RemoteCommunicationEvent,
  Stream,
  SupervisorEvent,
  SupervisorStateChangeEvent,
  TickEvent,
} from '../events/types.js';

interface OptionSpecBase {
  /** one line for docs and for the error that lists accepted keys */
  description: string;
  /** a missing required key is a config error */
  required?: boolean;
}

/** One key of a plugin's own section keys; values arrive as config text and are parsed by type. */
export type OptionSpec =
  | (OptionSpecBase & { type: 'string'; default?: string; choices?: readonly string[] })
  | (OptionSpecBase & { type: 'integer' | 'number'; default?: number; min?: number; max?: number })
  | (OptionSpecBase & { type: 'boolean'; default?: boolean })
  | (OptionSpecBase & { type: 'list'; default?: readonly string[] });

export type OptionsSchema = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { type: 'string'; choices: readonly (infer C)[] }
  ? C
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'integer' | 'number' }
      ? number
      : S extends { type: 'boolean' }
        ? boolean
        : readonly string[];

/** The parsed options: a key with a default or required is always set, others may be undefined. */
export type OptionValues<Schema extends OptionsSchema> = {
  readonly [K in keyof Schema]: Schema[K] extends { default: unknown } | { required: true } ? ValueOf<Schema[K]> : ValueOf<Schema[K]> | undefined;
};

/** A process as plugins see it (getProcessInfo's fields that matter to them). */
export interface ProcessSnapshot {
  name: string;
  group: string;
  state: ProcessStateName;
  pid: number;
  /** what `supervisorctl status` prints after the state */
  description: string;
  /** the last exit status */
  exitstatus: number;
  /** why the last spawn failed, or '' */
  spawnerr: string;
  /** epoch seconds of the last start and stop, 0 = never */
  start: number;
  stop: number;
  /** how the last child ended; null before any exit, and always as a listener (XML-RPC does not carry it) */
  lastExit: ExitSnapshot | null;
}

/** How a child ended, as data (the core's exit record). */
export interface ExitSnapshot {
  pid: number;
  /** the exit code, or -1 when killed by a signal */
  exitstatus: number;
  /** "SIGKILL" when killed by a signal, else null */
  signal: string | null;
  /** "exit status 3", "terminated by SIGKILL" */
  description: string;
  /** exitstatus is in the program's exitcodes */
  expected: boolean;
  /** died before startsecs elapsed */
  tooQuickly: boolean;
  /** epoch milliseconds */
  at: number;
  /** whole milliseconds between spawn and exit */
  uptimeMs: number;
}

export interface PluginLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Read access to processes; namespecs as supervisorctl takes them (`name` or `group:name`). Async: as a listener they are XML-RPC calls. */
export interface ProcessReader {
  list(): Promise<ProcessSnapshot[]>;
  get(namespec: string): Promise<ProcessSnapshot | undefined>;
}

/** Control for plugins that act; each rejects with the supervisor's fault (BAD_NAME, NOT_RUNNING...). */
export interface ProcessControl {
  start(namespec: string): Promise<void>;
  stop(namespec: string): Promise<void>;
  restart(namespec: string): Promise<void>;
  signal(namespec: string, signal: string | number): Promise<void>;
}

export type OutputStreamName = 'stdout' | 'stderr';

/**
 * supervisord's own stdout and stderr, shared in order with its main log and the child logs aimed
 * there. As a listener, where stdout is the protocol, both are the listener's stderr.
 */
export interface DaemonOutput {
  /**
   * Appends `text` (whole lines, each ending in a newline) after everything written there before;
   * it is written whole, never cut by another writer. Never waits for a slow reader: what waits
   * is bounded in memory, then on disk, and counted by the daemon past that.
   */
  write(stream: OutputStreamName, text: string): void;
  /** the stream is a terminal (for colour) */
  isTerminal(stream: OutputStreamName): boolean;
}

/** A count that only goes up (records sent, records dropped). */
export interface PluginCounter {
  inc(by?: number): void;
  readonly value: number;
}

/** A value that goes up and down (bytes waiting). */
export interface PluginGauge {
  set(value: number): void;
  readonly value: number;
}

/**
 * Numbers a plugin reports; in-process they are in /metrics as
 * `supervisor_plugin_counter_total{plugin, name}` and `supervisor_plugin_gauge{plugin, name}`.
 * Asking twice for one name gives the same object; a counter keeps its total across reloads.
 */
export interface PluginMetrics {
  /** `name`: lower case letters, digits and `_`, starting with a letter (`records_dropped`) */
  counter(name: string): PluginCounter;
  gauge(name: string): PluginGauge;
}

export interface PluginContext<Options> {
  /** the instance name: NAME of [plugin:NAME] or of [eventlistener:NAME] */
  name: string;
  /** 'in-process' under [plugin:x]; 'listener' under [eventlistener:x], where stdout is the protocol */
  transport: 'in-process' | 'listener';
  options: Options;
  log: PluginLogger;
  /** supervisord's stdout and stderr, for plugins that print (stdout-prefix) */
  output: DaemonOutput;
  processes: ProcessReader;
  control: ProcessControl;
  /**
   * A directory of this instance's own that outlives restarts and reloads of supervisord (a spool,
   * a checkpoint), created when first read; reading it throws when it cannot be created or another
   * live process (another supervisord sharing childlogdir and identifier) holds it. In-process: `<childlogdir>/supervisor-ts-state/<identifier>/plugin-<name>`.
   */
  readonly stateDir: string;
  metrics: PluginMetrics;
}

/** What setup returns: called one event at a time, in order, each call time-boxed. */
export interface PluginHandlers {
  event?(event: SupervisorEvent): void | Promise<void>;
  /**
   * On shutdown, after the last event: send what is buffered (time-boxed by flush_timeout).
   * `deadline` is aborted when flush_timeout runs out: what the plugin still holds then is lost,
   * so it counts it in the log from the abort listener (called before the host moves on).
   */
  flush?(deadline: AbortSignal): void | Promise<void>;
}

export interface PluginDefinition<Schema extends OptionsSchema = OptionsSchema> {
  name: string;
  version: string;
  options: Schema;
  /** the events it gets when its section has no events= line */
  events?: readonly EventTypeName[];
  setup(context: PluginContext<OptionValues<Schema>>): PluginHandlers | Promise<PluginHandlers>;
}

/** Declares a plugin; the identity function that gives `setup` its typed options. */
export function definePlugin<const Schema extends OptionsSchema>(definition: PluginDefinition<Schema>): PluginDefinition<Schema> {
  return definition;
}
