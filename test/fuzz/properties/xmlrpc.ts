// Properties of the XML-RPC codec: whatever the bytes, decoding ends in a value or an XmlRpcError
// (the server answers 400 or a fault); what we encode decodes to the same value; DOCTYPE and
// entity declarations are always refused; nesting past the limit is an error, not a stack overflow.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeMethodCall,
  decodeResponse,
  encodeMethodCall,
  encodeResponse,
  XmlRpcDouble,
  XmlRpcError,
  XmlRpcFault,
  type XmlRpcStruct,
  type XmlRpcValue,
} from '../../../src/xmlrpc/index.js';
import { MAXINT, MININT } from '../../../src/xmlrpc/values.js';
import { fuzzProperty, inProcessSuite, type FuzzProperty } from './suite.js';

// characters XML 1.0 cannot carry, and '\r', which every XML reader turns into '\n' (Python's
// encoder, which ours copies byte for byte, writes both as they are)
const NOT_ROUND_TRIPPABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\r]/g;

/** Text an XML-RPC string can carry unchanged. */
const xmlText = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 20 }), fc.constantFrom('&', '<', '>', ']]>', '&amp;', ' ', '\n', '\t'))
  .map((s) => s.replace(NOT_ROUND_TRIPPABLE, '?'));

// member names that would reach Object.prototype's setters if a struct were filled by assignment
const memberName = fc.oneof({ arbitrary: xmlText, weight: 4 }, { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), weight: 1 });

/** Whole seconds from year 1 to 9999, as <dateTime.iso8601> carries them. */
const isoDate = fc
  .integer({ min: Date.parse('0001-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59Z') })
  .map((ms) => new Date(Math.floor(ms / 1000) * 1000));

function struct(entries: Array<[string, XmlRpcValue]>): XmlRpcStruct {
  const out: XmlRpcStruct = {};
  // defineProperty: "__proto__" is a member like any other
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

const scalar: fc.Arbitrary<XmlRpcValue> = fc.oneof(
  xmlText,
  fc.integer({ min: MININT, max: MAXINT }),
  fc.boolean(),
  fc.double().map((d) => new XmlRpcDouble(d)),
  isoDate,
  fc.constant(null),
);

/** Any value a client may send to the server (no <base64>: 4.2.5's server reads it as text). */
const requestValue: fc.Arbitrary<XmlRpcValue> = fc.letrec<{ value: XmlRpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(memberName, tie('value')), { maxLength: 4 }).map(struct),
  ),
})).value;

/** Any value a server may answer with, <base64> included. */
const responseValue: fc.Arbitrary<XmlRpcValue> = fc.letrec<{ value: XmlRpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(memberName, tie('value')), { maxLength: 4 }).map(struct),
  ),
})).value;

/** What decoding gives back for an encoded value: doubles are plain numbers. */
function decodedForm(value: XmlRpcValue): XmlRpcValue {
  if (value instanceof XmlRpcDouble) return value.value;
  if (Array.isArray(value)) return value.map(decodedForm);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return struct(Object.entries(value).map(([k, v]) => [k, decodedForm(v)]));
  }
  return value;
}

const methodName = fc.oneof(fc.constantFrom('supervisor.getState', 'system.multicall', 'supervisor.startProcess'), xmlText.filter((s) => s !== ''));

// pieces that break XML in the ways parsers get wrong: references, markup declarations, CDATA
// and comment edges, characters XML forbids, a lone surrogate
const XML_SNIPPETS = [
  '<', '>', '/', '</value>', '<value>', '<struct>', '<member>', '<name>', '<array>', '<data>', '</data>',
  '<int>', '</int>', '<string>', '<nil/>', '<base64>', '<params>', '<param>', '<methodName>',
  '&', '&amp;', '&lt;', '&#0;', '&#x110000;', '&#xD800;', '&#65;', '&#x41;', '&#;', '&nosuch;', '&xxe;',
  '<![CDATA[', ']]>', '<!--', '-->', '<?', '?>', '<?xml version="1.0"?>', '"', "'", '=',
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', '<!ENTITY a "b">', '<!DOCTYPE methodCall>',
  '\u0000', '\u0001', '\uFFFE', '\uD800', '\uFEFF', 'é', ' ', '\r\n', '99999999999999999999', '-', 'nan',
];

type Mutation = { at: number; kind: 'insert'; text: string } | { at: number; kind: 'delete'; length: number } | { at: number; kind: 'duplicate'; length: number } | { at: number; kind: 'truncate' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), kind: fc.constant('insert' as const), text: fc.oneof(fc.constantFrom(...XML_SNIPPETS), fc.string({ unit: 'binary', maxLength: 4 })) }),
  fc.record({ at: fc.nat(), kind: fc.constant('delete' as const), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ at: fc.nat(), kind: fc.constant('duplicate' as const), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ at: fc.nat(), kind: fc.constant('truncate' as const) }),
);

function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else if (m.kind === 'duplicate') out = out.slice(0, at + m.length) + out.slice(at);
    else out = out.slice(0, at);
  }
  return out;
}

/** A request body as a client writes one, then damaged in one to four places. */
const mutatedRequest = fc
  .tuple(methodName, fc.array(requestValue, { maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([method, params, mutations]) => mutate(encodeMethodCall(method, params), mutations));

/** A response body as a server writes one, then damaged. */
const mutatedResponse = fc.tuple(responseValue, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([value, mutations]) => mutate(encodeResponse(value), mutations));

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.constantFrom(...XML_SNIPPETS), { maxLength: 30 }).map((p) => p.join('')));

/** Runs `decode`; anything thrown other than XmlRpcError fails the property. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (err) {
    if (err instanceof XmlRpcError) return;
    throw err;
  }
}

function xmlrpcProperties(): FuzzProperty[] {
  return [
    fuzzProperty(
      'decodeMethodCall: arbitrary text and damaged requests decode or fail with XmlRpcError',
      10_000,
      fc.property(fc.oneof(anyText, mutatedRequest), (body) => decodesOrRefuses(() => decodeMethodCall(body))),
    ),
    fuzzProperty(
      'decodeResponse: arbitrary text and damaged responses decode or fail with XmlRpcError',
      10_000,
      fc.property(fc.oneof(anyText, mutatedResponse), (body) => decodesOrRefuses(() => decodeResponse(body))),
    ),
    fuzzProperty(
      'round trip: a request we encode decodes to the same method and params',
      10_000,
      fc.property(methodName, fc.array(requestValue, { maxLength: 4 }), (method, params) => {
        const call = decodeMethodCall(encodeMethodCall(method, params));
        assert.equal(call.methodName, method);
        assert.deepStrictEqual(call.params, params.map(decodedForm));
      }),
    ),
    fuzzProperty(
      'round trip: a response we encode decodes to the same value',
      10_000,
      fc.property(responseValue, (value) => {
        const decoded = decodeResponse(encodeResponse(value));
        assert.ok(!(decoded instanceof XmlRpcFault));
        assert.deepStrictEqual(decoded, decodedForm(value));
      }),
    ),
    fuzzProperty(
      'DOCTYPE and entity declarations are refused wherever they are put (inside a comment or PI they are inert)',
      10_000,
      fc.property(
        methodName,
        fc.array(requestValue, { maxLength: 2 }),
        fc.nat(),
        fc.constantFrom('<!DOCTYPE methodCall [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', '<!DOCTYPE a>', '<!ENTITY a "aaaaaaaaaa">', '<!DOCTYPE lol [<!ENTITY a "&b;&b;"><!ENTITY b "x">]>'),
        (method, params, at, declaration) => {
          const body = encodeMethodCall(method, params);
          const where = at % (body.length + 1);
          const hostile = body.slice(0, where) + declaration + body.slice(where);
          let decoded: ReturnType<typeof decodeMethodCall>;
          try {
            decoded = decodeMethodCall(hostile);
          } catch (err) {
            if (err instanceof XmlRpcError) return;
            throw err;
          }
          // accepted only where it is not markup at all: inside the <?xml ...?> declaration
          const before = body.slice(0, where);
          assert.ok(before.lastIndexOf('<?') > before.lastIndexOf('?>'), 'a declaration outside a processing instruction was accepted');
          assert.deepStrictEqual(decoded, decodeMethodCall(body));
        },
      ),
    ),
    fuzzProperty(
      'nesting deeper than the limit is SUP_ERR_XML_TOO_DEEP, never a stack overflow',
      200,
      fc.property(fc.integer({ min: 129, max: 20_000 }), fc.constantFrom('<value><array><data>', '<a>', '<value><struct><member><name>n</name>'), (depth, open) => {
        const body = `<methodCall><methodName>m</methodName><params><param>${open.repeat(depth)}`;
        assert.throws(() => decodeMethodCall(body), (err: unknown) => err instanceof XmlRpcError && err.code === 'SUP_ERR_XML_TOO_DEEP');
      }),
    ),
  ];
}

export const xmlrpcSuite = inProcessSuite('xmlrpc', xmlrpcProperties);
