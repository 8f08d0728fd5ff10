// Header and payload bytes against the envelopes captured from a real 4.2.5 (reference/events.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePointLength, encodeEnvelope } from '../../src/events/envelope.js';
import { decodeOutput, pythonBytesRepr, renderPayload } from '../../src/events/payload.js';
import { isSubtypeOf, type SupervisorEvent } from '../../src/events/types.js';

const T = 0;
const state = (type: string, extra: object): SupervisorEvent =>
  ({ type, time: T, ...extra }) as SupervisorEvent;

test('PROCESS_STATE payloads match the captured ones', () => {
  const cases: [SupervisorEvent, string][] = [
    [state('PROCESS_STATE_STARTING', { processname: 'rec', groupname: 'rec', from_state: 'STOPPED', tries: 0 }), 'processname:rec groupname:rec from_state:STOPPED tries:0'],
    [state('PROCESS_STATE_RUNNING', { processname: 'rec', groupname: 'rec', from_state: 'STARTING', pid: 5338 }), 'processname:rec groupname:rec from_state:STARTING pid:5338'],
    [state('PROCESS_STATE_BACKOFF', { processname: 'fail', groupname: 'fail', from_state: 'STARTING', tries: 1 }), 'processname:fail groupname:fail from_state:STARTING tries:1'],
    [state('PROCESS_STATE_EXITED', { processname: 'comm', groupname: 'comm', from_state: 'RUNNING', expected: false, pid: 5341 }), 'processname:comm groupname:comm from_state:RUNNING expected:0 pid:5341'],
    [state('PROCESS_STATE_STOPPED', { processname: 'bo', groupname: 'bo', from_state: 'BACKOFF', pid: 0 }), 'processname:bo groupname:bo from_state:BACKOFF pid:0'],
    [state('PROCESS_STATE_FATAL', { processname: 'fail', groupname: 'fail', from_state: 'BACKOFF' }), 'processname:fail groupname:fail from_state:BACKOFF'],
  ];
  for (const [event, payload] of cases) assert.equal(renderPayload(event), payload);
});

test('whole envelopes match the captured bytes', () => {
  const fields = { server: 'myident', serial: 14, pool: 'rec', poolserial: 14 };
  const running = state('PROCESS_STATE_RUNNING', { processname: 'rec', groupname: 'rec', from_state: 'STARTING', pid: 5338 });
  assert.equal(
    encodeEnvelope(fields, running).toString('latin1'),
    'ver:3.0 server:myident serial:14 pool:rec poolserial:14 eventname:PROCESS_STATE_RUNNING len:58\nprocessname:rec groupname:rec from_state:STARTING pid:5338',
  );
  const added: SupervisorEvent = { type: 'PROCESS_GROUP_ADDED', time: T, groupname: 'rec' };
  assert.equal(
    encodeEnvelope({ ...fields, serial: 0, poolserial: 0 }, added).toString(),
    'ver:3.0 server:myident serial:0 pool:rec poolserial:0 eventname:PROCESS_GROUP_ADDED len:14\ngroupname:rec\n',
  );
  const running2: SupervisorEvent = { type: 'SUPERVISOR_STATE_CHANGE_RUNNING', time: T };
  assert.equal(
    encodeEnvelope({ ...fields, serial: 3, poolserial: 3 }, running2).toString(),
    'ver:3.0 server:myident serial:3 pool:rec poolserial:3 eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n',
  );
  // 4.2.5 sends the raw chunk (`before`, len:62); we send whole lines, each with its newline
  const log: SupervisorEvent = { type: 'PROCESS_LOG_STDOUT', time: T, processname: 'comm', groupname: 'comm', pid: 5341, channel: 'stdout', lines: ['before'] };
  assert.equal(
    encodeEnvelope({ ...fields, serial: 8, poolserial: 8 }, log).toString(),
    'ver:3.0 server:myident serial:8 pool:rec poolserial:8 eventname:PROCESS_LOG_STDOUT len:63\nprocessname:comm groupname:comm pid:5341 channel:stdout\nbefore\n',
  );
  const comm: SupervisorEvent = { type: 'PROCESS_COMMUNICATION_STDOUT', time: T, processname: 'comm', groupname: 'comm', pid: 5341, data: Buffer.from('hello comm\nline2') };
  assert.match(encodeEnvelope(fields, comm).toString(), / len:57\nprocessname:comm groupname:comm pid:5341\nhello comm\nline2$/);
  const tick: SupervisorEvent = { type: 'TICK_5', time: T, when: 1795305405 };
  assert.match(encodeEnvelope(fields, tick).toString(), /eventname:TICK_5 len:15\nwhen:1795305405$/);
  const remote: SupervisorEvent = { type: 'REMOTE_COMMUNICATION', time: T, commtype: 'mytype', data: 'some data\nline2' };
  assert.match(encodeEnvelope(fields, remote).toString(), /len:27\ntype:mytype\nsome data\nline2$/);
});

test('len counts code points, the wire carries UTF-8 bytes', () => {
  const fields = { server: 's', serial: 1, pool: 'p', poolserial: 1 };
  const accent: SupervisorEvent = { type: 'REMOTE_COMMUNICATION', time: T, commtype: 'té', data: 'dé' };
  const a = encodeEnvelope(fields, accent);
  assert.match(a.toString(), / len:10\ntype:té\ndé$/);
  assert.equal(a.length - a.indexOf(0x0a) - 1, 12);
  const emoji: SupervisorEvent = { type: 'REMOTE_COMMUNICATION', time: T, commtype: 'emoji', data: '😀' };
  const e = encodeEnvelope(fields, emoji);
  assert.match(e.toString(), / len:12\n/);
  assert.equal(e.length - e.indexOf(0x0a) - 1, 15);
  assert.equal(codePointLength('a😀b'), 3);
  assert.equal(codePointLength('\ud83d'), 1, 'a lone surrogate is one code point');
});

test('output that is not UTF-8 becomes 4.2.5\'s Undecodable repr of the whole chunk', () => {
  const bytes = Buffer.from([0x78, 0xf0, 0x9f, 0x98, 0x80, 0x79, 0x0a, 0xff, 0xfe, 0x62, 0x61, 0x64, 0x0a]);
  assert.equal(decodeOutput(bytes), "Undecodable: b'x\\xf0\\x9f\\x98\\x80y\\n\\xff\\xfebad\\n'");
  assert.equal(decodeOutput(Buffer.from('ok \ufffd text')), 'ok \ufffd text', 'a real U+FFFD is valid UTF-8');
  assert.equal(pythonBytesRepr(Buffer.from("it's")), `b"it's"`);
  assert.equal(pythonBytesRepr(Buffer.from('a\\b\t')), "b'a\\\\b\\t'");
});

test('subscription matching follows the type hierarchy', () => {
  assert.ok(isSubtypeOf('PROCESS_STATE_RUNNING', 'EVENT'));
  assert.ok(isSubtypeOf('PROCESS_STATE_RUNNING', 'PROCESS_STATE'));
  assert.ok(isSubtypeOf('TICK_5', 'TICK_5'));
  assert.ok(!isSubtypeOf('TICK_5', 'PROCESS_STATE'));
  assert.ok(!isSubtypeOf('PROCESS_STATE', 'PROCESS_STATE_RUNNING'));
});
