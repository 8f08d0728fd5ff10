// Method lookup and calling as 4.2.5's traverse() does it: "namespace.method" with exactly one dot,
// no leading underscore, arity checked against the method's parameters; plus the TRAC log lines.
import type { Logger } from '../logging/logger.js';
import type { XmlRpcValue } from '../xmlrpc/index.js';
import { RpcFault } from './faults.js';

/** A method: takes the decoded params (arity already checked), returns a value or a promise of one. */
export type RpcMethod = (...params: XmlRpcValue[]) => XmlRpcValue | Promise<XmlRpcValue>;

export interface MethodEntry {
  method: RpcMethod;
  params: readonly string[];
  /** leading params without a default */
  required: number;
  doc: string;
  signature: readonly string[] | null;
}

export class Dispatcher {
  private readonly methods = new Map<string, MethodEntry>();

  constructor(private readonly logger: Logger) {}

  register(name: string, entry: MethodEntry): void {
    this.methods.set(name, entry);
  }

  names(): string[] {
    return [...this.methods.keys()].sort();
  }

  entry(name: string): MethodEntry | undefined {
    return this.methods.get(name);
  }

  /** Call a method; rejects with RpcFault for API faults, anything else is a server error. */
  async call(name: string, params: XmlRpcValue[]): Promise<XmlRpcValue> {
    const parts = name.split('.');
    const entry = parts.length === 2 && !parts[1]!.startsWith('_') ? this.methods.get(name) : undefined;
    if (entry === undefined) throw new RpcFault('UNKNOWN_METHOD');
    if (params.length < entry.required || params.length > entry.params.length) throw new RpcFault('INCORRECT_PARAMETERS');
    return entry.method(...params);
  }

  /** call() with 4.2.5's trace lines around it. */
  async callLogged(name: string, params: XmlRpcValue[]): Promise<XmlRpcValue> {
    this.logger.trace(`XML-RPC method called: ${name}()`);
    try {
      const value = await this.call(name, params);
      this.logger.trace(`XML-RPC method ${name}() returned successfully`);
      return value;
    } catch (err) {
      if (err instanceof RpcFault) this.logger.trace(`XML-RPC method ${name}() returned fault: [${err.code}] ${err.text}`);
      throw err;
    }
  }
}
