// Reading a response body the way Python's xmlrpc.client does (what 4.2.5's supervisorctl
// accepts): typed values, <value> without a type is a string, <boolean> must be 0 or 1,
// namespace prefixes (ex:nil) are ignored, a <fault> becomes an XmlRpcFault.
import { parseIsoDateTime, parsePythonFloat, parsePythonInt } from './decode-call.js';
import { parseXml, type XmlElement } from './xml.js';
import { setMember, XmlRpcError, XmlRpcFault, type XmlRpcStruct, type XmlRpcValue } from './values.js';

function bad(message: string): XmlRpcError {
  return new XmlRpcError('SUP_ERR_XMLRPC_BAD_VALUE', message);
}

function localName(element: XmlElement): string {
  const colon = element.name.lastIndexOf(':');
  return colon === -1 ? element.name : element.name.slice(colon + 1);
}

function onlyChild(element: XmlElement, name: string): XmlElement {
  const child = element.children.find((c) => localName(c) === name);
  if (child === undefined) throw bad(`<${element.name}> has no <${name}>`);
  return child;
}

/** The value of one <value> element. */
export function decodeValueElement(value: XmlElement): XmlRpcValue {
  const typed = value.children[0];
  if (typed === undefined) return value.text ?? '';
  const text = typed.text;
  switch (localName(typed)) {
    case 'string':
      return text ?? '';
    case 'int':
    case 'i1':
    case 'i2':
    case 'i4':
    case 'i8':
    case 'biginteger':
      return parsePythonInt(text, 'int() with base 10');
    case 'boolean':
      if (text === '0') return false;
      if (text === '1') return true;
      throw bad(`bad boolean value '${text ?? ''}'`);
    case 'double':
    case 'float':
      return parsePythonFloat(text, 'string');
    case 'nil':
      return null;
    case 'dateTime.iso8601':
      return parseIsoDateTime(text);
    case 'base64':
      return Buffer.from(text ?? '', 'base64');
    case 'array':
      return onlyChild(typed, 'data').children.map((v) => decodeValueElement(v));
    case 'struct': {
      const struct: XmlRpcStruct = {};
      for (const member of typed.children) {
        const name = onlyChild(member, 'name');
        setMember(struct, name.text ?? '', decodeValueElement(onlyChild(member, 'value')));
      }
      return struct;
    }
    default:
      throw bad(`unknown value type <${typed.name}>`);
  }
}

/**
 * Decode a methodResponse: the returned value, or an XmlRpcFault for a fault response.
 * Throws XmlRpcError when the body is not a well-formed methodResponse.
 */
export function decodeResponse(body: string): XmlRpcValue | XmlRpcFault {
  const root = parseXml(body);
  if (localName(root) !== 'methodResponse') throw bad(`root element is <${root.name}>, not <methodResponse>`);
  const fault = root.children.find((c) => localName(c) === 'fault');
  if (fault !== undefined) {
    const struct = decodeValueElement(onlyChild(fault, 'value'));
    if (struct === null || typeof struct !== 'object' || Array.isArray(struct) || Buffer.isBuffer(struct) || struct instanceof Date) {
      throw bad('fault value is not a struct');
    }
    const { faultCode, faultString } = struct as XmlRpcStruct;
    if (typeof faultCode !== 'number' || typeof faultString !== 'string') throw bad('fault struct lacks an int faultCode and a string faultString');
    return new XmlRpcFault(faultCode, faultString);
  }
  const param = onlyChild(onlyChild(root, 'params'), 'param');
  return decodeValueElement(onlyChild(param, 'value'));
}
