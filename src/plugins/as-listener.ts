// Runs a plugin as an [eventlistener:x] command through the listener SDK, with the same options
// as under [plugin:x]: events come from supervisord's protocol on stdin, processes and control go
// through XML-RPC at SUPERVISOR_SERVER_URL, and each event is answered OK once handled.
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import tty from 'node:tty';
import { RpcClient } from '../ctl/rpc-client.js';
import { listen } from '../sdk/listener.js';
import type { PluginContext, PluginDefinition, PluginLogger, ProcessSnapshot } from './api.js';
import { PluginConfigError } from './errors.js';
import { ListenerEventDecoder } from './from-listener-event.js';
import { HOST_KEYS, importDefinition } from './loader.js';
import { matchesPrograms } from './host.js';
import { parseOptions } from './options.js';
import { PluginMetricsRegistry } from './plugin-metrics.js';
import { claimStateDir, pathSegment, STATE_ROOT } from './state-dir.js';
import { timeBoxed, TimedOut } from './runner.js';

/** Host keys that mean something for one listener; events= belongs to the [eventlistener:x] section. */
const LISTENER_HOST_KEYS = {
  programs: HOST_KEYS.programs,
  call_timeout: HOST_KEYS.call_timeout,
  flush_timeout: HOST_KEYS.flush_timeout,
  state_dir: { type: 'string', description: "the plugin's own directory (context.stateDir); default <tmpdir>/supervisor-ts-state/listeners/<group>/<process>" },
} as const;

export interface ListenerRunOptions {
  /** key=value arguments: the plugin's own keys plus programs, call_timeout, flush_timeout */
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  input?: Readable;
  output?: Writable;
  /** where the plugin's log lines and its output (context.output) go; default stderr */
  logTo?: Writable;
}

/** `run-as-listener MODULE key=value...`: loads the module as [plugin:x] would, then runs it. */
export async function runModuleAsListener(moduleKey: string, options: ListenerRunOptions): Promise<void> {
  const where = `listener command line (module ${moduleKey})`;
  const definition = await importDefinition(moduleKey, process.cwd(), where);
  await runPluginAsListener(definition, options);
}

export async function runPluginAsListener(definition: PluginDefinition, options: ListenerRunOptions): Promise<void> {
  const env = options.env ?? process.env;
  const name = env.SUPERVISOR_PROCESS_NAME ?? definition.name;
  const where = `[eventlistener:${env.SUPERVISOR_GROUP_NAME ?? name}] command line`;
  const hostRaw: Record<string, string> = {};
  const ownRaw: Record<string, string> = {};
  for (const arg of options.args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new PluginConfigError(where, `argument '${arg}' is not key=value`);
    const key = arg.slice(0, eq);
    if (key in HOST_KEYS && !(key in LISTENER_HOST_KEYS)) throw new PluginConfigError(where, `'${key}' belongs in the [eventlistener:x] section (events=) or is not used by a listener`);
    (key in LISTENER_HOST_KEYS ? hostRaw : ownRaw)[key] = arg.slice(eq + 1);
  }
  const host = parseOptions(LISTENER_HOST_KEYS, hostRaw, where, 'the listener runner');
  const pluginOptions = parseOptions(definition.options, ownRaw, where, definition.name);
  const logTo = options.logTo ?? process.stderr;
  const log: PluginLogger = {
    info: (m) => logTo.write(`plugin ${name}: INFO ${m}\n`),
    warn: (m) => logTo.write(`plugin ${name}: WARN ${m}\n`),
    error: (m) => logTo.write(`plugin ${name}: ERROR ${m}\n`),
  };
  const rpc = env.SUPERVISOR_SERVER_URL ? new RpcClient(env.SUPERVISOR_SERVER_URL, { username: env.SUPERVISOR_USERNAME ?? null, password: env.SUPERVISOR_PASSWORD ?? null }) : null;
  // stdout is the protocol: what the plugin prints goes to stderr, in order with its log lines
  const output = { write: (_stream: string, text: string) => void logTo.write(text), isTerminal: () => logTo === process.stderr && tty.isatty(2) };
  // the temp dir is 4.2.5's default childlogdir too; group and process name tell the listeners of a pool apart
  const stateDirPath = host.state_dir ?? path.join(os.tmpdir(), STATE_ROOT, 'listeners', pathSegment(env.SUPERVISOR_GROUP_NAME ?? name), pathSegment(name));
  let stateDir: string | null = null;
  const context: PluginContext<typeof pluginOptions> = {
    name,
    transport: 'listener',
    options: pluginOptions,
    log,
    output,
    ...rpcAccess(rpc),
    // kept, not exported: a listener has no /metrics
    metrics: new PluginMetricsRegistry(name),
    get stateDir() {
      return (stateDir ??= claimStateDir(path.resolve(stateDirPath)));
    },
  };
  const handlers = await timeBoxed(() => definition.setup(context), host.call_timeout * 1000);
  const decoder = new ListenerEventDecoder();
  const programs = host.programs && host.programs.length > 0 ? host.programs : null;

  let stopping = false;
  const flushAndExit = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const deadline = new AbortController();
    try {
      await timeBoxed(async () => handlers.flush?.(deadline.signal), Math.max(1, host.flush_timeout * 1000));
    } catch (err) {
      if (err instanceof TimedOut) deadline.abort(err);
      log.error(`flush on shutdown ${(err as Error).message}`);
    }
    rpc?.close();
  };
  // supervisord stops a listener with SIGTERM: flush first
  const onTerm = (): void => void flushAndExit().then(() => process.exit(0));
  process.once('SIGTERM', onTerm);
  try {
    for await (const received of listen({ input: options.input, output: options.output })) {
      const event = decoder.decode(received);
      const wanted = event && (!('processname' in event) || matchesPrograms(programs, event.processname, event.groupname));
      if (wanted && handlers.event) {
        try {
          await timeBoxed(() => handlers.event!(event), host.call_timeout * 1000);
        } catch (err) {
          // answered OK anyway: FAIL would make supervisord resend an event this plugin cannot take
          log.error(`${event.type} handler failed: ${(err as Error)?.message ?? String(err)}`);
        }
      }
      received.ok();
    }
  } finally {
    process.off('SIGTERM', onTerm);
    await flushAndExit();
  }
}

function rpcAccess(rpc: RpcClient | null): Pick<PluginContext<unknown>, 'processes' | 'control'> {
  const call = async <T>(method: string, ...params: (string | number | boolean)[]): Promise<T> => {
    if (rpc === null) throw new Error('no SUPERVISOR_SERVER_URL: supervisord has no [unix_http_server] or [inet_http_server]');
    return rpc.call<T>(method, ...params);
  };
  const toSnapshot = (info: RpcProcessInfo): ProcessSnapshot => ({
    name: info.name,
    group: info.group,
    state: info.statename as ProcessSnapshot['state'],
    pid: info.pid,
    description: info.description,
    exitstatus: info.exitstatus,
    spawnerr: info.spawnerr,
    start: info.start,
    stop: info.stop,
    lastExit: null,
  });
  return {
    processes: {
      list: async () => (await call<RpcProcessInfo[]>('supervisor.getAllProcessInfo')).map(toSnapshot),
      get: async (namespec) => {
        try {
          return toSnapshot(await call<RpcProcessInfo>('supervisor.getProcessInfo', namespec));
        } catch {
          return undefined;
        }
      },
    },
    control: {
      start: async (namespec) => void (await call('supervisor.startProcess', namespec, true)),
      stop: async (namespec) => void (await call('supervisor.stopProcess', namespec, true)),
      restart: async (namespec) => {
        await call('supervisor.stopProcess', namespec, true).catch(() => undefined);
        await call('supervisor.startProcess', namespec, true);
      },
      signal: async (namespec, signal) => void (await call('supervisor.signalProcess', namespec, String(signal))),
    },
  };
}

interface RpcProcessInfo {
  name: string;
  group: string;
  statename: string;
  pid: number;
  description: string;
  exitstatus: number;
  spawnerr: string;
  start: number;
  stop: number;
}
