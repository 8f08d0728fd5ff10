// Writing XML-RPC documents byte for byte as Python's xmlrpc.client.dumps does (what 4.2.5 sends
// and what its supervisorctl sends), so responses and requests match the reference exactly.
import { pythonFloatRepr } from './python-float.js';
import { MAXINT, MININT, XmlRpcDouble, XmlRpcError, type XmlRpcStruct, type XmlRpcValue } from './values.js';

const XML_HEADER = "<?xml version='1.0'?>\n";

const NEEDS_ESCAPE = /[&<>]/;

/** Python's xml escape: only &, < and > (quotes stay as they are). */
export function escapeXml(text: string): string {
  // most names and values have none of them: one scan instead of three replaces
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unencodable(message: string): XmlRpcError {
  return new XmlRpcError('SUP_ERR_XMLRPC_UNENCODABLE', message);
}

function isStruct(value: object): value is XmlRpcStruct {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

// the same few member names come back in every struct of a long list (getAllProcessInfo)
const memberHeads = new Map<string, string>();
const MAX_MEMBER_HEADS = 1000;

function memberHead(name: string): string {
  let head = memberHeads.get(name);
  if (head === undefined) {
    head = `<member>\n<name>${escapeXml(name)}</name>\n`;
    if (memberHeads.size < MAX_MEMBER_HEADS) memberHeads.set(name, head);
  }
  return head;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** One <value> element with its trailing newline (none after <nil/>, as in Python). */
export function encodeValue(value: XmlRpcValue, seen: Set<object> = new Set()): string {
  if (value === null) return '<value><nil/></value>';
  switch (typeof value) {
    case 'string':
      return `<value><string>${escapeXml(value)}</string></value>\n`;
    case 'boolean':
      return `<value><boolean>${value ? 1 : 0}</boolean></value>\n`;
    case 'number':
      if (!Number.isInteger(value)) return `<value><double>${pythonFloatRepr(value)}</double></value>\n`;
      if (value > MAXINT || value < MININT) throw unencodable(`int exceeds XML-RPC limits: ${value}`);
      return `<value><int>${value}</int></value>\n`;
    case 'object':
      break;
    default:
      throw unencodable(`cannot marshal ${typeof value} objects`);
  }
  if (value instanceof XmlRpcDouble) return `<value><double>${pythonFloatRepr(value.value)}</double></value>\n`;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw unencodable('cannot marshal an invalid Date');
    const d = value;
    const text = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return `<value><dateTime.iso8601>${text}</dateTime.iso8601></value>\n`;
  }
  if (Buffer.isBuffer(value)) return `<value><base64>\n${encodeBase64Lines(value)}</base64></value>\n`;
  if (seen.has(value)) throw unencodable('cannot marshal recursive structures');
  seen.add(value);
  try {
    if (Array.isArray(value)) return `<value><array><data>\n${value.map((v) => encodeValue(v, seen)).join('')}</data></array></value>\n`;
    if (!isStruct(value)) throw unencodable(`cannot marshal ${(value as object).constructor.name} objects`);
    let out = '<value><struct>\n';
    for (const name in value) {
      if (!Object.hasOwn(value, name)) continue;
      const member = value[name];
      if (member === undefined) throw unencodable(`struct member '${name}' is undefined`);
      out += `${memberHead(name)}${encodeValue(member, seen)}</member>\n`;
    }
    return `${out}</struct></value>\n`;
  } finally {
    seen.delete(value);
  }
}

// base64.encodebytes: lines of at most 76 characters, each ending in a newline
function encodeBase64Lines(bytes: Buffer): string {
  const text = bytes.toString('base64');
  let out = '';
  for (let i = 0; i < text.length; i += 76) out += `${text.slice(i, i + 76)}\n`;
  return out;
}

function encodeParams(params: readonly XmlRpcValue[]): string {
  return `<params>\n${params.map((p) => `<param>\n${encodeValue(p)}</param>\n`).join('')}</params>\n`;
}

/** A request body, as xmlrpc.client.dumps(params, method). */
export function encodeMethodCall(method: string, params: readonly XmlRpcValue[] = []): string {
  return `${XML_HEADER}<methodCall>\n<methodName>${escapeXml(method)}</methodName>\n${encodeParams(params)}</methodCall>\n`;
}

/** A success response body, as xmlrpc.client.dumps((value,), methodresponse=True). */
export function encodeResponse(value: XmlRpcValue): string {
  return `${XML_HEADER}<methodResponse>\n${encodeParams([value])}</methodResponse>\n`;
}

/** A fault response body, as xmlrpc.client.dumps(Fault(code, text)). */
export function encodeFault(faultCode: number, faultString: string): string {
  return `${XML_HEADER}<methodResponse>\n<fault>\n${encodeValue({ faultCode, faultString })}</fault>\n</methodResponse>\n`;
}
