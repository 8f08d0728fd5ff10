import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  decodeMethodCall,
  decodeResponse,
  encodeFault,
  encodeMethodCall,
  encodeResponse,
  XmlRpcDouble,
  XmlRpcError,
  XmlRpcFault,
  type XmlRpcValue,
} from '../../src/xmlrpc/index.js';
import { pythonFloatRepr } from '../../src/xmlrpc/python-float.js';

// Runs a Python snippet that reads JSON from stdin and prints JSON: the reference for every case.
function python(script: string, input: unknown): unknown {
  const out = execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  return JSON.parse(out) as unknown;
}

// JSON cannot carry every XML-RPC type, so values travel tagged: {"$": kind, "v": ...}.
const PY_VALUES = `
import sys, json, datetime, xmlrpc.client as x
def py(v):
    if isinstance(v, dict) and '$' in v:
        k = v['$']
        if k == 'double': return float(v['v'])
        if k == 'date': return datetime.datetime(*v['v'])
        if k == 'bytes': return x.Binary(bytes(v['v']))
        if k == 'nil': return None
    if isinstance(v, dict): return {a: py(b) for a, b in v.items()}
    if isinstance(v, list): return [py(b) for b in v]
    return v
`;

function js(v: unknown): XmlRpcValue {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && '$' in v) {
    const tagged = v as { $: string; v: unknown };
    if (tagged.$ === 'double') return new XmlRpcDouble(tagged.v as number);
    if (tagged.$ === 'date') {
      const [y, mo, d, h, mi, s] = tagged.v as number[];
      return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    }
    if (tagged.$ === 'bytes') return Buffer.from(tagged.v as number[]);
    if (tagged.$ === 'nil') return null;
  }
  if (Array.isArray(v)) return v.map(js);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, b]) => [k, js(b)]));
  return v as XmlRpcValue;
}

const SAMPLES: unknown[] = [
  0,
  -5,
  2147483647,
  -2147483648,
  true,
  false,
  '',
  'plain',
  'a<b>&c "quoted" \'single\'',
  'tab\tnew\nline é ü 😀 \u2028',
  { $: 'double', v: 1.5 },
  { $: 'double', v: 1 },
  { $: 'double', v: -0.1 },
  { $: 'double', v: 1e20 },
  { $: 'double', v: 123456789012345680 },
  { $: 'double', v: 0.0001 },
  { $: 'double', v: 0.00001234 },
  { $: 'double', v: 1e16 },
  { $: 'double', v: 9999999999999998 },
  { $: 'double', v: 3.141592653589793 },
  { $: 'double', v: 5e-324 },
  [],
  [1, 'two', [3, []]],
  {},
  { statecode: 1, statename: 'RUNNING', nested: { a: [true, { b: '<x>' }] } },
  { $: 'nil' },
  [{ $: 'nil' }, 1],
  { $: 'date', v: [2026, 1, 2, 3, 4, 5] },
  { $: 'bytes', v: [] },
  { $: 'bytes', v: Array.from(Buffer.from('hello'.repeat(30))) },
];

test('encodeMethodCall, encodeResponse and encodeFault are byte-exact with xmlrpc.client.dumps', () => {
  const expected = python(
    `${PY_VALUES}
samples = json.load(sys.stdin)
out = {'calls': [x.dumps((py(s),), 'supervisor.m', allow_none=True) for s in samples],
       'responses': [x.dumps((py(s),), methodresponse=True, allow_none=True) for s in samples],
       'all': x.dumps(tuple(py(s) for s in samples), 'system.multicall', allow_none=True),
       'empty': x.dumps((), 'supervisor.getVersion'),
       'fault': x.dumps(x.Fault(10, 'BAD_NAME: a<&>b'))}
print(json.dumps(out))`,
    SAMPLES,
  ) as { calls: string[]; responses: string[]; all: string; empty: string; fault: string };
  SAMPLES.forEach((sample, i) => {
    assert.equal(encodeMethodCall('supervisor.m', [js(sample)]), expected.calls[i], `call ${JSON.stringify(sample)}`);
    assert.equal(encodeResponse(js(sample)), expected.responses[i], `response ${JSON.stringify(sample)}`);
  });
  assert.equal(encodeMethodCall('system.multicall', SAMPLES.map(js)), expected.all);
  assert.equal(encodeMethodCall('supervisor.getVersion'), expected.empty);
  assert.equal(encodeFault(10, 'BAD_NAME: a<&>b'), expected.fault);
});

test('encoding refuses what Python refuses: ints past 32 bits, cycles, undefined members', () => {
  assert.throws(() => encodeResponse(2147483648), { code: 'SUP_ERR_XMLRPC_UNENCODABLE' });
  assert.throws(() => encodeResponse(-2147483649), { code: 'SUP_ERR_XMLRPC_UNENCODABLE' });
  const cycle: XmlRpcValue[] = [];
  cycle.push(cycle);
  assert.throws(() => encodeResponse(cycle), /recursive/);
  assert.throws(() => encodeResponse({ a: undefined as unknown as XmlRpcValue }), /undefined/);
  // the same object twice without a cycle is fine
  const shared = { a: 1 };
  assert.match(encodeResponse([shared, shared]), /<int>1<\/int>[\s\S]*<int>1<\/int>/);
});

test('pythonFloatRepr matches repr(float)', () => {
  const floats = [0.5, 2.5e-5, 1e-4, 1e-5, 123.456, 1e15, 1e16, 1.7976931348623157e308, -2.2250738585072014e-308, 100, 0.3, 1 / 3, -0];
  const expected = python('import sys, json\nprint(json.dumps([repr(float(f)) for f in json.load(sys.stdin)]))', floats) as string[];
  assert.deepEqual(floats.map(pythonFloatRepr), expected.map((e, i) => (Object.is(floats[i], -0) ? '-0.0' : e)));
  assert.equal(pythonFloatRepr(NaN), 'nan');
  assert.equal(pythonFloatRepr(-Infinity), '-inf');
});

test('decodeMethodCall reads what xmlrpc.client sends, as 4.2.5 reads it', () => {
  const bodies = python(
    `${PY_VALUES}
print(json.dumps([x.dumps((py(s),), 'supervisor.m', allow_none=True) for s in json.load(sys.stdin)]))`,
    SAMPLES,
  ) as string[];
  // 4.2.5's parser turns base64 into text and reads every double as a float
  const expectations: XmlRpcValue[] = SAMPLES.map((s) => {
    const v = js(s);
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    if (v instanceof XmlRpcDouble) return v.value;
    return v;
  });
  bodies.forEach((body, i) => {
    const call = decodeMethodCall(body);
    assert.equal(call.methodName, 'supervisor.m');
    assert.deepEqual(call.params, [expectations[i]], `sample ${JSON.stringify(SAMPLES[i])}`);
  });
});

// Runs 4.2.5's own request parser on each body and reports [params, method] or "ERROR".
function supervisorLoads(bodies: string[]): unknown[] {
  return python(
    `
import sys, json, datetime
from supervisor.xmlrpc import supervisor_xmlrpc_handler as H
def plain(v):
    if isinstance(v, datetime.datetime): return {'$date': v.strftime('%Y%m%dT%H:%M:%S')}
    if isinstance(v, (list, tuple)): return [plain(b) for b in v]
    if isinstance(v, dict): return {a: plain(b) for a, b in v.items()}
    return v
out = []
for body in json.load(sys.stdin):
    try:
        params, method = H.loads(H.__new__(H), body)
        out.append([plain(params) if params is not None else [], method])
    except Exception as e:
        out.append('ERROR')
print(json.dumps(out))`,
    bodies,
  ) as unknown[];
}

function ours(body: string): unknown {
  try {
    const call = decodeMethodCall(body);
    const plain = (v: XmlRpcValue): unknown =>
      v instanceof Date
        ? { $date: v.toISOString().slice(0, 19).replace(/-/g, '') }
        : Array.isArray(v)
          ? v.map(plain)
          : v !== null && typeof v === 'object' && !(v instanceof XmlRpcDouble) && !Buffer.isBuffer(v)
            ? Object.fromEntries(Object.entries(v).map(([k, b]) => [k, plain(b)]))
            : v;
    return [plain(call.params), call.methodName];
  } catch (err) {
    assert.ok(err instanceof XmlRpcError, String(err));
    return 'ERROR';
  }
}

test("decodeMethodCall keeps 4.2.5's quirks (checked against supervisor.xmlrpc loads itself)", () => {
  const call = (params: string, name = 'supervisor.x'): string =>
    `<?xml version="1.0"?><methodCall><methodName>${name}</methodName>${params}</methodCall>`;
  const p = (...values: string[]): string => `<params>${values.map((v) => `<param><value>${v}</value></param>`).join('')}</params>`;
  const bodies = [
    call(p('<boolean>1</boolean>', '<boolean>true</boolean>', '<boolean>0</boolean>', '<boolean> 1</boolean>')),
    call(p('<i8>-10</i8>', '<nil/>', '<ex:nil xmlns:ex="e"/>', '<bogus>t</bogus>')),
    call(''),
    call('<params></params>'),
    call(p('bare text', '', '<string></string>', '   ')),
    call(p('<int> 42 </int>', '<i4>+7</i4>', '<int>1_000</int>', '<double>2.75</double>', '<double> 1e3 </double>', '<double>-1_0.5</double>')),
    call(p('<int>4x</int>')),
    call(p('<int></int>')),
    call(p('<double>abc</double>')),
    call(p('<dateTime.iso8601>20260102T03:04:05</dateTime.iso8601>')),
    call(p('<dateTime.iso8601>2026-01-02</dateTime.iso8601>')),
    call(p('<base64>aMOp</base64>', '<base64></base64>')),
    call(p('<array><data><value><int>1</int></value><value>s</value></data></array>')),
    call(p('<array></array>')),
    call(p('<struct><member><name>a</name><value><int>1</int></value></member><member><name></name><value>x</value></member></struct>')),
    call(p('<struct><member><name>a</name></member></struct>')),
    call(p('<string>a &amp; &lt;b&gt; &#233; &#x1F600; &quot;</string>')),
    call(p('<string><![CDATA[<raw> & stuff]]></string>')),
    call(p('<string>a\r\nb\rc</string>')),
    call(p('<int>1</int>'), ''),
    '<methodCall><params><param><value>x</value></param></params></methodCall>',
    call(p('x'), 'a.b.c'),
    '<?xml version="1.0"?>\n<!-- comment --><methodCall>\n  <methodName>system.listMethods</methodName>\n</methodCall>\n',
    call(p('<string>unterminated')),
    call(p('<string>&bogus;</string>')),
    call(p('<string>bad & amp</string>')),
    'not xml at all',
    '',
    call(p('x')) + '<second/>',
    call(p('<string>\u0001</string>')),
  ];
  const expected = supervisorLoads(bodies);
  bodies.forEach((body, i) => assert.deepEqual(ours(body), expected[i], `body ${i}: ${body}`));
});

test('entity declarations, bombs and external entities are refused before anything expands', () => {
  const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<methodCall><methodName>supervisor.getPID</methodName><params><param><value>&lol3;</value></param></params></methodCall>`;
  assert.throws(() => decodeMethodCall(bomb), { code: 'SUP_ERR_XML_SYNTAX', message: /DOCTYPE/ });
  const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><methodCall><methodName>&x;</methodName></methodCall>`;
  assert.throws(() => decodeMethodCall(xxe), { code: 'SUP_ERR_XML_SYNTAX' });
  assert.throws(() => decodeMethodCall('<methodCall><methodName>&x;</methodName></methodCall>'), /undefined entity/);
});

test('nesting past the depth limit is a coded error, not a stack overflow', () => {
  const deep = `<methodCall><methodName>a.b</methodName><params><param><value>${'<array><data><value>'.repeat(5000)}x${'</value></data></array>'.repeat(5000)}</value></param></params></methodCall>`;
  assert.throws(() => decodeMethodCall(deep), { code: 'SUP_ERR_XML_TOO_DEEP' });
  assert.throws(() => decodeResponse(deep), { code: 'SUP_ERR_XML_TOO_DEEP' });
});

test('decodeResponse reads what 4.2.5 answers, faults included', () => {
  const [ok, fault, typed] = python(
    `
import sys, json, datetime, xmlrpc.client as x
print(json.dumps([
  x.dumps(([{'name': 'cat', 'pid': 42, 'ok': True, 'd': 2.5}, [], {}],), methodresponse=True),
  x.dumps(x.Fault(10, 'BAD_NAME: nosuch')),
  x.dumps(([x.Binary(b'\\x00\\xff'), datetime.datetime(2026, 11, 22, 1, 2, 3), None],), methodresponse=True, allow_none=True),
]))`,
    null,
  ) as [string, string, string];
  assert.deepEqual(decodeResponse(ok), [{ name: 'cat', pid: 42, ok: true, d: 2.5 }, [], {}]);
  const f = decodeResponse(fault);
  assert.ok(f instanceof XmlRpcFault);
  assert.equal(f.faultCode, 10);
  assert.equal(f.faultString, 'BAD_NAME: nosuch');
  assert.deepEqual(decodeResponse(typed), [Buffer.from([0, 255]), new Date(Date.UTC(2026, 10, 22, 1, 2, 3)), null]);
  const wrap = (v: string): string => `<methodResponse><params><param><value>${v}</value></param></params></methodResponse>`;
  assert.equal(decodeResponse(wrap('  bare  ')), '  bare  ');
  assert.equal(decodeResponse(wrap('<double>inf</double>')), Infinity);
  assert.equal(decodeResponse(wrap('<ex:nil/>')), null);
  assert.equal(decodeResponse(wrap('<i8>9000000000</i8>')), 9000000000);
  assert.deepEqual(decodeResponse(wrap('<dateTime.iso8601>20261122T01:02:03</dateTime.iso8601>')), new Date(Date.UTC(2026, 10, 22, 1, 2, 3)));
  assert.throws(() => decodeResponse(wrap('<boolean>true</boolean>')), { code: 'SUP_ERR_XMLRPC_BAD_VALUE', message: /bad boolean/ });
  assert.throws(() => decodeResponse(wrap('<weird>1</weird>')), /unknown value type/);
  assert.throws(() => decodeResponse('<methodCall/>'), /not <methodResponse>/);
  assert.throws(() => decodeResponse('<methodResponse><fault><value><string>x</string></value></fault></methodResponse>'), /not a struct/);
  assert.throws(() => decodeResponse('<html><body>500</body>'), { code: 'SUP_ERR_XML_SYNTAX' });
});
