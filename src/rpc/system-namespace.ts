// system.listMethods, methodHelp, methodSignature and multicall (rpc.md 8): available in every
// supervisord state; multicall runs its calls one after another, each finished before the next.
import type { XmlRpcStruct, XmlRpcValue } from '../xmlrpc/index.js';
import type { Dispatcher } from './dispatcher.js';
import { asRpcFault, RpcFault } from './faults.js';
import { METHOD_DOCS } from './method-docs.js';
import { stringParam } from './params.js';

function faultStruct(fault: RpcFault): XmlRpcStruct {
  return { faultCode: fault.code, faultString: fault.text };
}

// 4.2.5 reports unexpected errors inside a multicall as FAILED with the Python exception's class and text
function failedStruct(err: unknown): XmlRpcStruct {
  return faultStruct(new RpcFault('FAILED', `${(err as Error)?.name ?? 'Error'}:${(err as Error)?.message ?? String(err)}`));
}

export function registerSystemNamespace(dispatcher: Dispatcher): void {
  const doc = (name: string): { doc: string; signature: readonly string[] | null; params: readonly string[]; required: number } => METHOD_DOCS[name]!;

  dispatcher.register('system.listMethods', { ...doc('system.listMethods'), method: () => dispatcher.names() });

  dispatcher.register('system.methodHelp', {
    ...doc('system.methodHelp'),
    method: (name) => {
      const entry = typeof name === 'string' ? dispatcher.entry(name) : undefined;
      if (entry === undefined) throw new RpcFault('SIGNATURE_UNSUPPORTED');
      return entry.doc;
    },
  });

  dispatcher.register('system.methodSignature', {
    ...doc('system.methodSignature'),
    method: (name) => {
      const signature = typeof name === 'string' ? dispatcher.entry(name)?.signature : undefined;
      if (!signature) throw new RpcFault('SIGNATURE_UNSUPPORTED');
      return [...signature];
    },
  });

  dispatcher.register('system.multicall', {
    ...doc('system.multicall'),
    method: async (calls) => {
      if (!Array.isArray(calls)) throw new RpcFault('INCORRECT_PARAMETERS', 'calls must be an array of structs');
      const results: XmlRpcValue[] = [];
      for (const call of calls) {
        results.push(await runOne(dispatcher, call));
      }
      return results;
    },
  });
}

async function runOne(dispatcher: Dispatcher, call: XmlRpcValue): Promise<XmlRpcValue> {
  try {
    if (call === null || typeof call !== 'object' || Array.isArray(call) || Buffer.isBuffer(call) || call instanceof Date) {
      throw new RpcFault('INCORRECT_PARAMETERS', 'each call must be a struct with methodName and params');
    }
    const struct = call as XmlRpcStruct;
    if (struct.methodName === undefined || struct.methodName === null) throw new RpcFault('INCORRECT_PARAMETERS', 'No methodName');
    const name = stringParam(struct.methodName, 'methodName');
    if (name === 'system.multicall') throw new RpcFault('INCORRECT_PARAMETERS', 'Recursive system.multicall forbidden');
    const params = struct.params ?? [];
    if (!Array.isArray(params)) throw new RpcFault('INCORRECT_PARAMETERS', 'params must be an array');
    return await dispatcher.call(name, params);
  } catch (err) {
    const fault = asRpcFault(err);
    return fault ? faultStruct(fault) : failedStruct(err);
  }
}
