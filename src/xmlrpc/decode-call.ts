// Reading a request body the way 4.2.5's own XML-RPC request parser does (supervisor/xmlrpc.py
// loads): element by element, whatever the nesting, with its quirks (<boolean> is true only for
// "1", an unknown type element such as <i8> or <nil/> gives its text, <params> may be missing).
import { parseXml, type XmlElement } from './xml.js';
import { setMember, XmlRpcError, type XmlRpcStruct, type XmlRpcValue } from './values.js';

export interface MethodCall {
  /** null when the body has no <methodName> (4.2.5 answers HTTP 400) */
  methodName: string | null;
  /** [] when the body has no <params> */
  params: XmlRpcValue[];
}

function bad(message: string): XmlRpcError {
  return new XmlRpcError('SUP_ERR_XMLRPC_BAD_VALUE', message);
}

/** Python int(): optional sign, digits with single underscores between them, surrounding whitespace. */
export function parsePythonInt(text: string | null, what: string): number {
  const trimmed = (text ?? '').trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(trimmed)) throw bad(`invalid literal for ${what}: '${text ?? ''}'`);
  return Number(trimmed.replace(/_/g, ''));
}

/** Python float(): decimal or scientific literals, inf/infinity/nan in any case, surrounding whitespace. */
export function parsePythonFloat(text: string | null, what: string): number {
  const trimmed = (text ?? '').trim().replace(/(\d)_(?=\d)/g, '$1');
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(trimmed);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) throw bad(`could not convert ${what} to float: '${text ?? ''}'`);
  return Number(trimmed);
}

/** YYYYMMDDTHH:MM:SS as a UTC Date. */
export function parseIsoDateTime(text: string | null): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec((text ?? '').trim());
  if (!m) throw bad(`dateTime '${text ?? ''}' does not match format '%Y%m%dT%H:%M:%S'`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second);
  if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 61) {
    throw bad(`dateTime '${text ?? ''}' is not a valid date and time`);
  }
  return date;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw bad('base64 value is not UTF-8 text');
  }
}

function firstChild(element: XmlElement): XmlElement {
  const child = element.children[0];
  if (child === undefined) throw bad(`<${element.name}> has no child element`);
  return child;
}

/**
 * Decode a request body. Throws XmlRpcError when the XML is not well-formed or a typed value does
 * not parse (4.2.5 answers both with HTTP 400).
 */
export function decodeMethodCall(body: string): MethodCall {
  const root = parseXml(body);
  let methodName: string | null = null;
  let params: XmlRpcValue[] | null = null;

  // the value 4.2.5's parser leaves in elem.text once the element has ended (children first)
  const converted = new Map<XmlElement, XmlRpcValue>();
  const valueOf = (element: XmlElement): XmlRpcValue => converted.get(element) ?? null;
  const convert = (element: XmlElement): XmlRpcValue => {
    for (const child of element.children) converted.set(child, convert(child));
    const text = element.text;
    switch (element.name) {
      case 'int':
      case 'i4':
        return parsePythonInt(text, 'int() with base 10');
      case 'boolean':
        return text === '1';
      case 'string':
        return text ?? '';
      case 'double':
        return parsePythonFloat(text, 'string');
      case 'dateTime.iso8601':
        return parseIsoDateTime(text);
      case 'base64':
        return decodeUtf8(Buffer.from(text ?? '', 'base64'));
      case 'array':
      case 'param':
        return valueOf(firstChild(element));
      case 'data':
        return element.children.map(valueOf);
      case 'struct': {
        const struct: XmlRpcStruct = {};
        for (const member of element.children) {
          const [name, value] = member.children;
          if (name === undefined || value === undefined || member.children.length !== 2) {
            throw bad(`struct member has ${member.children.length} child elements instead of name and value`);
          }
          const key = valueOf(name);
          setMember(struct, typeof key === 'string' ? key : String(key ?? ''), valueOf(value));
        }
        return struct;
      }
      case 'value':
        return element.children.length > 0 ? valueOf(element.children[0]!) : (text ?? '');
      case 'methodName':
        methodName = text;
        return text;
      case 'params':
        params = element.children.map(valueOf);
        return text;
      default:
        return text;
    }
  };
  convert(root);
  return { methodName, params: params ?? [] };
}
