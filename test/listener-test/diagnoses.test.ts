// The bench's diagnoses from the bytes alone, fed through the pool's own decoder: a RESULT length
// too long (READY eaten into the body, or a body still pending), too short, and chatter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListenerProtocol, type ProtocolEvent } from '../../src/listeners/protocol.js';
import { afterResult, noReadyAfterResult, noResult } from '../../src/listener-test/diagnoses.js';

/** A decoder READY and BUSY with one event, then fed `written`: the result body and what followed it. */
function decode(written: string): { events: ProtocolEvent[]; protocol: ListenerProtocol } {
  const protocol = new ListenerProtocol();
  protocol.feed(Buffer.from('READY\n'));
  protocol.eventSent();
  return { events: protocol.feed(Buffer.from(written)), protocol };
}

function afterResultOf(written: string): string {
  const { events } = decode(written);
  const result = events.find((e) => e.kind === 'result');
  const violation = events.find((e) => e.kind === 'violation');
  assert.ok(result?.kind === 'result' && violation?.kind === 'violation', JSON.stringify(events));
  const fault = afterResult(Buffer.from(written), result.body, violation.bytes);
  return `${fault.code} ${fault.message}: ${fault.cure}`;
}

test('a RESULT length off by a few bytes either way is named with the body that really followed', () => {
  assert.equal(afterResultOf('RESULT 3\nOKREADY\n'), `SUP_ERR_BENCH_RESULT_LENGTH RESULT 3 but 2 characters followed ("OK"): give RESULT the body's length in bytes (RESULT 2)`);
  assert.equal(afterResultOf('RESULT 1\nOKREADY\n'), `SUP_ERR_BENCH_RESULT_LENGTH RESULT 1 but 2 characters followed ("OK"): give RESULT the body's length in bytes (RESULT 2)`);
  assert.equal(afterResultOf('RESULT 2\nFAILREADY\n'), `SUP_ERR_BENCH_RESULT_LENGTH RESULT 2 but 4 characters followed ("FAIL"): give RESULT the body's length in bytes (RESULT 4)`);
  // counted in characters where RESULT counts bytes
  assert.equal(afterResultOf('RESULT 4\nnaïveREADY\n'), `SUP_ERR_BENCH_RESULT_LENGTH RESULT 4 but 6 bytes followed ("naïve"): give RESULT the body's length in bytes (RESULT 6)`);
  assert.equal(afterResultOf('RESULT 2\nOKdone\nREADY\n'), `SUP_ERR_BENCH_RESULT_LENGTH RESULT 2 but 7 characters followed ("OKdone\\n"): give RESULT the body's length in bytes (RESULT 7)`);
  assert.equal(afterResultOf('RESULT 2\nOKhello\n'), `SUP_ERR_BENCH_STDOUT_CHATTER wrote "hello\\n" to stdout after its answer "OK", where READY\\n was expected: log to stderr: stdout carries only the protocol`);
});

test('a RESULT length longer than the body and READY\\n together leaves both sides waiting, and says so', () => {
  const written = 'RESULT 20\nOKREADY\n';
  const { protocol } = decode(written);
  const fault = noResult(protocol.pendingResult, Buffer.from(written), 2000);
  assert.equal(
    `${fault.code} ${fault.message}: ${fault.cure}`,
    `SUP_ERR_BENCH_RESULT_LENGTH RESULT 20 but 2 characters followed ("OK"), then READY: supervisord waits for the rest of the result and the listener for the next event: give RESULT the body's length in bytes (RESULT 2)`,
  );
  // too long by exactly READY\n: the result swallowed it, and nothing more comes
  const swallowed = 'RESULT 8\nOKREADY\n';
  const [result] = decode(swallowed).events;
  assert.ok(result?.kind === 'result');
  const eaten = noReadyAfterResult(Buffer.from(swallowed), result.body, 2000);
  assert.equal(
    `${eaten.code} ${eaten.message}`,
    `SUP_ERR_BENCH_RESULT_LENGTH RESULT 8 but 2 characters followed ("OK"), then READY, read as the end of the result: supervisord waits for READY and the listener for the next event`,
  );
  assert.equal(noReadyAfterResult(Buffer.from('RESULT 2\nOK'), Buffer.from('OK'), 2000).message, 'answered but never wrote READY again within 2 s');
  const silent = noResult(null, Buffer.alloc(0), 2000);
  assert.equal(silent.message, 'no answer within 2 s');
});
