// 4.2.5's complete fault table (supervisor/xmlrpc.py Faults) and the error the RPC methods throw.
import { FAULT_CODES, SupervisorError } from '../process/faults.js';

// the process operations' codes come from the core, so the two can never disagree
export const RPC_FAULTS = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  ...FAULT_CODES,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;

export type RpcFaultName = keyof typeof RPC_FAULTS;

/** A fault a method answers with; `text` is 4.2.5's "NAME" or "NAME: detail". */
export class RpcFault extends Error {
  readonly code: number;
  readonly text: string;

  constructor(name: RpcFaultName, detail?: string) {
    const text = detail === undefined ? name : `${name}: ${detail}`;
    super(text);
    this.name = 'RpcFault';
    this.code = RPC_FAULTS[name];
    this.text = text;
  }

  static from(err: SupervisorError): RpcFault {
    return new RpcFault(err.code, err.detail);
  }
}

/** The fault for an error thrown by the core, or null when it is not one the API defines. */
export function asRpcFault(err: unknown): RpcFault | null {
  if (err instanceof RpcFault) return err;
  if (err instanceof SupervisorError) return RpcFault.from(err);
  return null;
}
