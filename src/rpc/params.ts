// Python's view of XML-RPC arguments: what 4.2.5's methods accept where they call int(), test
// truthiness or need a string. A value Python would reject becomes INCORRECT_PARAMETERS, naming it.
import { XmlRpcDouble, type XmlRpcValue } from '../xmlrpc/index.js';
import { RpcFault } from './faults.js';

function describe(value: XmlRpcValue): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a dateTime';
  if (Buffer.isBuffer(value)) return 'base64 data';
  if (typeof value === 'object' && !(value instanceof XmlRpcDouble)) return 'a struct';
  return JSON.stringify(value instanceof XmlRpcDouble ? value.value : value);
}

/** A process or group name: must be a string. */
export function stringParam(value: XmlRpcValue, what: string): string {
  if (typeof value !== 'string') throw new RpcFault('INCORRECT_PARAMETERS', `${what} must be a string, got ${describe(value)}`);
  return value;
}

/** Python int(value): ints, truncated doubles, booleans and decimal strings. */
export function intParam(value: XmlRpcValue, what: string): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return Number(value.trim().replace(/_/g, ''));
  throw new RpcFault('INCORRECT_PARAMETERS', `${what} must be an integer, got ${describe(value)}`);
}

/** Python truthiness (`if wait:`). */
export function truthyParam(value: XmlRpcValue): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (Buffer.isBuffer(value)) return value.length > 0;
  if (value instanceof XmlRpcDouble) return value.value !== 0;
  if (typeof value === 'object' && !(value instanceof Date)) return Object.keys(value).length > 0;
  return true;
}

/** A signal as signalProcess takes it: a name, or a number given as int or string. */
export function signalParam(value: XmlRpcValue): string | number {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) return value;
  throw new RpcFault('BAD_SIGNAL', describe(value));
}
