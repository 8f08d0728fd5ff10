// The XML-RPC value model shared by the server (src/rpc) and the client (src/ctl), with the errors the codec raises.

/** A struct: member order is kept, as 4.2.5's responses list members in a fixed order. */
export interface XmlRpcStruct {
  [member: string]: XmlRpcValue;
}

/**
 * One XML-RPC value. number encodes as <int> when it is an integer and as <double> otherwise
 * (wrap it in XmlRpcDouble to force <double>); Buffer is <base64>; Date is <dateTime.iso8601> in UTC;
 * null is <nil/>.
 */
export type XmlRpcValue = string | number | boolean | null | Date | Buffer | XmlRpcDouble | XmlRpcValue[] | XmlRpcStruct;

/**
 * Sets a member read from the wire. Plain assignment would hand a member named "__proto__" to
 * Object.prototype's setter: the member would vanish and its value become the struct's prototype.
 */
export function setMember(struct: XmlRpcStruct, name: string, value: XmlRpcValue): void {
  Object.defineProperty(struct, name, { value, enumerable: true, writable: true, configurable: true });
}

/** A number that must be sent as <double> even when it is integral (Python float 1.0). */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}

/** A fault response: 4.2.5's code and text, e.g. 10 and "BAD_NAME: foo". */
export class XmlRpcFault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(`<Fault ${faultCode}: ${faultString}>`);
    this.name = 'XmlRpcFault';
  }
}

export type XmlRpcErrorCode =
  | 'SUP_ERR_XML_SYNTAX' // not well-formed XML, or a construct we refuse (DOCTYPE, entity declarations)
  | 'SUP_ERR_XML_TOO_DEEP' // element nesting past the limit
  | 'SUP_ERR_XMLRPC_BAD_VALUE' // well-formed XML that is not a valid XML-RPC document or value
  | 'SUP_ERR_XMLRPC_UNENCODABLE'; // a value XML-RPC cannot carry (int past 32 bits, cycle, undefined...)

/** Decoding or encoding failed; `code` is stable, `message` says what was wrong. */
export class XmlRpcError extends Error {
  constructor(
    readonly code: XmlRpcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'XmlRpcError';
  }
}

export const MAXINT = 2 ** 31 - 1;
export const MININT = -(2 ** 31);
