// The listener protocol decoder against the byte sequences of reference/events.md 2-3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListenerProtocol, type ProtocolEvent } from '../../src/listeners/protocol.js';

const b = (s: string) => Buffer.from(s);
const kinds = (events: ProtocolEvent[]) =>
  events.map((e) => (e.kind === 'state' ? `${e.from}->${e.to}` : e.kind === 'result' ? `result:${e.body}` : e.kind === 'violation' ? `${e.code}:${e.bytes}` : `bad:${e.line}`));

function ready(): ListenerProtocol {
  const p = new ListenerProtocol();
  assert.deepEqual(kinds(p.feed(b('READY\n'))), ['ACKNOWLEDGED->READY']);
  return p;
}

test('READY, an event, RESULT and READY again in one write', () => {
  const p = ready();
  assert.deepEqual(kinds(p.eventSent()), ['READY->BUSY']);
  assert.deepEqual(kinds(p.feed(b('RESULT 2\nOKREADY\n'))), ['result:OK', 'BUSY->ACKNOWLEDGED', 'ACKNOWLEDGED->READY']);
});

test('bytes may arrive one at a time', () => {
  const p = new ListenerProtocol();
  const out: ProtocolEvent[] = [];
  for (const ch of 'READY\n') out.push(...p.feed(b(ch)));
  out.push(...p.eventSent());
  for (const ch of 'RESULT 4\nFAIL') out.push(...p.feed(b(ch)));
  assert.deepEqual(kinds(out), ['ACKNOWLEDGED->READY', 'READY->BUSY', 'result:FAIL', 'BUSY->ACKNOWLEDGED']);
});

test('the first 7 bytes of the result line are not checked, the length parses like Python int()', () => {
  for (const line of ['XXXXXX 2\n', 'RESULT  2 \n', 'RESULT +2\n', 'RESULT 0_2\n']) {
    const p = ready();
    p.eventSent();
    assert.deepEqual(kinds(p.feed(b(`${line}OK`))), ['result:OK', 'BUSY->ACKNOWLEDGED'], line);
  }
});

test('RESULT 0 is an empty result at once', () => {
  const p = ready();
  p.eventSent();
  assert.deepEqual(kinds(p.feed(b('RESULT 0\n'))), ['result:', 'BUSY->ACKNOWLEDGED']);
});

test('a bad result line, garbage instead of READY, and unsolicited bytes all end in UNKNOWN', () => {
  const bad = ready();
  bad.eventSent();
  assert.deepEqual(kinds(bad.feed(b('RESULT xx\nOK'))), ['bad:RESULT xx', 'BUSY->UNKNOWN']);
  assert.deepEqual(bad.feed(b('READY\n')), [], 'UNKNOWN ignores everything');

  const garbage = new ListenerProtocol();
  assert.deepEqual(kinds(garbage.feed(b('hello world\n'))), ['SUP_ERR_LISTENER_NOT_READY:hello world\n', 'ACKNOWLEDGED->UNKNOWN']);

  const chatty = ready();
  assert.deepEqual(kinds(chatty.feed(b('READY\n'))), ['SUP_ERR_LISTENER_UNSOLICITED:READY\n', 'READY->UNKNOWN']);

  chatty.reset();
  assert.equal(chatty.state, 'ACKNOWLEDGED', 'a new spawn starts over');
});

test('limits: an endless result line or a huge declared result is a violation, not unbounded buffering', () => {
  const p = new ListenerProtocol({ maxResultLine: 16, maxResultBody: 100 });
  p.feed(b('READY\n'));
  p.eventSent();
  assert.deepEqual(kinds(p.feed(b('RESULT 99999999999'))).slice(-1), ['BUSY->UNKNOWN']);
  const q = new ListenerProtocol({ maxResultLine: 16, maxResultBody: 100 });
  q.feed(b('READY\n'));
  q.eventSent();
  const events = q.feed(b('RESULT 101\n'));
  assert.equal(events[0]!.kind, 'violation');
  assert.equal((events[0] as { code: string }).code, 'SUP_ERR_LISTENER_RESULT_TOO_LARGE');
});

test('bytes that cannot begin READY are a violation at once, with a hint when a result came just before (RESULT 5\\nOK then READY)', () => {
  const p = ready();
  p.eventSent();
  assert.deepEqual(kinds(p.feed(b('RESULT 5\nOK'))), [], 'three body bytes still to come');
  const events = p.feed(b('READY\n'));
  assert.deepEqual(kinds(events), ['result:OKREA', 'BUSY->ACKNOWLEDGED', 'SUP_ERR_LISTENER_NOT_READY:DY\n', 'ACKNOWLEDGED->UNKNOWN']);
  assert.equal((events[2] as { hint?: string }).hint, 'after a result of 5 bytes ("OKREA"): was its RESULT length right?');

  // three bytes of garbage are enough to tell: nothing waits for a sixth
  const q = new ListenerProtocol();
  assert.deepEqual(kinds(q.feed(b('OK\n'))), ['SUP_ERR_LISTENER_NOT_READY:OK\n', 'ACKNOWLEDGED->UNKNOWN']);
  assert.equal(q.state, 'UNKNOWN');
  // a READY that comes a byte at a time after a result is still READY
  const r = ready();
  r.eventSent();
  const out: ProtocolEvent[] = [];
  for (const ch of 'RESULT 2\nOKREADY\n') out.push(...r.feed(b(ch)));
  assert.deepEqual(kinds(out), ['result:OK', 'BUSY->ACKNOWLEDGED', 'ACKNOWLEDGED->READY']);
});
