// One supervisorctl session: runs command lines as 4.2.5's Controller.onecmd does (parsing,
// the up-check, 401 handling, the Python-style error line) and keeps the exit status.
import { FAULT_CODES } from '../process/faults.js';
import { EXIT } from './exit-status.js';
import type { LineInput } from './line-input.js';
import type { CtlOptions } from './options.js';
import { ProtocolError, PythonStyleError, RpcFault, SocketError } from './python-errors.js';
import { RpcClient } from './rpc-client.js';

/** One command of the table (src/ctl/command-table.ts). */
export interface Command {
  name: string;
  /** `help <name>` text; absent for commands 4.2.5 does not list (EOF) */
  help?: string;
  /** beyond 4.2.5: left out of `help`'s list, which stays 4.2.5's byte for byte; `help <name>` still shows it */
  extension?: boolean;
  /** what tab completion offers for its arguments */
  completes?: 'actions' | 'groups' | 'processes';
  /** resolves 'exit' to leave the shell */
  run(ctl: Controller, arg: string): Promise<void | 'exit'>;
}

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** 4.2.5's API_VERSION, which the up-check requires. */
const API_VERSION = '3.0';

export class Controller {
  exitstatus: number = EXIT.SUCCESS;
  /** called on Ctrl-C while a streaming command (tail -f, maintail -f, fg) runs */
  onInterrupt: (() => void) | null = null;
  private client: { key: string; rpc: RpcClient } | null = null;

  constructor(
    readonly options: CtlOptions,
    readonly commands: readonly Command[],
    readonly out: Output,
    readonly input: () => LineInput,
  ) {}

  output(message: string): void {
    this.out.stdout(`${message}\n`);
  }

  /** A client for the current server URL and credentials (both can change in the shell). */
  rpc(): RpcClient {
    const { serverurl, username, password } = this.options;
    const key = JSON.stringify([serverurl, username, password]);
    if (this.client?.key !== key) {
      this.client?.rpc.close();
      this.client = { key, rpc: new RpcClient(serverurl, { username, password }) };
    }
    return this.client.rpc;
  }

  /**
   * A client on a connection of its own for one command; the caller closes it. The daemon ties
   * update's steps to the connection that re-read the config (4.2.5's client opens one connection
   * per command too), so a later `stop g:*` in the shell stays a plain stop.
   */
  ownConnection(): RpcClient {
    const { serverurl, username, password } = this.options;
    return new RpcClient(serverurl, { username, password });
  }

  close(): void {
    this.client?.rpc.close();
    this.client = null;
  }

  findCommand(name: string): Command | undefined {
    return this.commands.find((c) => c.name === name);
  }

  /** Runs one line; resolves 'exit' when the shell should end. */
  async onecmd(rawLine: string): Promise<void | 'exit'> {
    const { name, arg, line } = parseLine(rawLine);
    if (line === '') return;
    const command = name ? this.findCommand(name) : undefined;
    if (!command) {
      this.output(`*** Unknown syntax: ${line}`);
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    try {
      try {
        return await command.run(this, arg);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        if (err.status !== 401) {
          this.exitstatus = EXIT.GENERIC;
          throw err;
        }
        this.output('Server requires authentication');
        if (this.options.interactive) {
          const input = this.input();
          this.options.username = (await input.readLine('Username:')) ?? '';
          this.options.password = (await input.readSecret('Password:')) ?? '';
          this.output('');
          return await this.onecmd(rawLine);
        }
        this.exitstatus = EXIT.GENERIC;
      }
      // 4.2.5 runs the command a second time after a non-interactive 401
      await command.run(this, arg);
    } catch (err) {
      this.output(errorLine(err));
      this.exitstatus = EXIT.GENERIC;
    }
    return;
  }

  /** 4.2.5's upcheck: the server must answer getVersion with API 3.0. `report` gets its message. */
  async upcheck(report: (message: string) => void = (m) => this.output(m)): Promise<boolean> {
    try {
      const api = await this.rpc().call<string>('supervisor.getVersion');
      if (api !== API_VERSION) {
        report(
          `Sorry, this version of supervisorctl expects to talk to a server with API version ${API_VERSION}, but the remote version is ${api}.`,
        );
        this.exitstatus = EXIT.NOT_INSTALLED;
        return false;
      }
    } catch (err) {
      if (err instanceof RpcFault && err.faultCode === UNKNOWN_METHOD) {
        report(
          'Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).',
        );
        this.exitstatus = EXIT.UNIMPLEMENTED_FEATURE;
        return false;
      }
      if (err instanceof SocketError && err.code === 'ECONNREFUSED') {
        report(`${this.options.serverurl} refused connection`);
        this.exitstatus = EXIT.INSUFFICIENT_PRIVILEGES;
        return false;
      }
      if (err instanceof SocketError && err.code === 'ENOENT') {
        report(`${this.options.serverurl} no such file`);
        this.exitstatus = EXIT.NOT_RUNNING;
        return false;
      }
      this.exitstatus = EXIT.GENERIC;
      throw err;
    }
    return true;
  }

  /** 4.2.5's set_exitstatus_from_xmlrpc_fault: the last failing result decides. */
  setExitFromFault(faultCode: number, ignored: number | null = null): void {
    if (faultCode === ignored || faultCode === FAULT_CODES.SUCCESS) return;
    this.exitstatus = DEAD_PROGRAM_FAULTS.has(faultCode) ? EXIT.NOT_RUNNING : EXIT.GENERIC;
  }
}

const UNKNOWN_METHOD = 1;
const DEAD_PROGRAM_FAULTS: ReadonlySet<number> = new Set([
  FAULT_CODES.SPAWN_ERROR,
  FAULT_CODES.ABNORMAL_TERMINATION,
  FAULT_CODES.NOT_RUNNING,
]);

const IDENT_CHARS = /^[A-Za-z0-9_]*/;

/** Python cmd.Cmd.parseline: `?x` is `help x`; the command is the leading identifier characters. */
export function parseLine(rawLine: string): { name: string | null; arg: string; line: string } {
  let line = rawLine.trim();
  if (line === '') return { name: null, arg: '', line };
  if (line.startsWith('?')) line = `help ${line.slice(1)}`;
  else if (line.startsWith('!')) return { name: null, arg: '', line };
  const name = IDENT_CHARS.exec(line)![0];
  return { name: name === '' ? null : name, arg: line.slice(name.length).trim(), line };
}

function errorLine(err: unknown): string {
  if (err instanceof PythonStyleError) return err.errorLine();
  const error = err instanceof Error ? err : new Error(String(err));
  return `error: <class '${error.name}'>, ${error.message}: file: ${import.meta.url} line: 0`;
}
