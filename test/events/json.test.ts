// eventToJson / eventFromJson: a recording of /events reads back as the events it was made from,
// so a replay renders the same payload bytes; a bad line names the field that is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeEnvelope } from '../../src/events/envelope.js';
import { eventFromJson, eventToJson, EventJsonError } from '../../src/events/json.js';
import { sampleEvents } from '../../src/listener-test/samples.js';

test('every sample event survives the JSON round trip with the same envelope bytes', () => {
  const fields = { server: 'supervisor', serial: 7, pool: 'rec', poolserial: 3 };
  for (const { event } of sampleEvents(1_796_595_495_000)) {
    const back = eventFromJson(eventToJson(event));
    assert.deepEqual(encodeEnvelope(fields, back), encodeEnvelope(fields, event), event.type);
    assert.equal(back.time, event.time);
  }
});

test('eventFromJson names what is wrong', () => {
  const wrong = (text: string): string => {
    try {
      eventFromJson(text);
    } catch (err) {
      assert.ok(err instanceof EventJsonError);
      return err.message;
    }
    assert.fail(`accepted ${text}`);
  };
  assert.match(wrong('{"type":'), /^not JSON: /);
  assert.equal(wrong('[1]'), 'not a JSON object');
  assert.equal(wrong('{"time":1}'), 'no "type" field');
  assert.equal(wrong('{"type":"PROCESS_STATE"}'), '"type" is "PROCESS_STATE", an abstract type: an event has a concrete one (e.g. PROCESS_STATE_RUNNING)');
  assert.equal(wrong('{"type":"NOPE"}'), '"type" "NOPE" is no event type');
  assert.equal(wrong('{"type":"PROCESS_LOG_STDOUT","processname":"a","groupname":"a","pid":1,"channel":"stdout","lines":[]}'), 'PROCESS_LOG_STDOUT has a bad "lines" (a non-empty array of strings, not [])');
  assert.equal(wrong('{"type":"PROCESS_STATE_RUNNING","processname":"a","groupname":"a","from_state":"WALKING"}'), 'PROCESS_STATE_RUNNING has a bad "from_state" (a process state name, not "WALKING")');
  assert.equal(wrong('{"type":"TICK_5","time":"now","when":5}'), '"time" is not a number: "now"');
});
