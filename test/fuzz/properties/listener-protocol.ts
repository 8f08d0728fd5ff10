// Properties of the eventlistener protocol decoder. A listener's bytes reach us in whatever pieces
// the pipe delivers, so any chunking of what it wrote between two events must mean exactly what one
// write means; garbage ends in a named violation or a bad result line, never an exception.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_PROTOCOL_LIMITS, ListenerProtocol, type ProtocolEvent, type ProtocolLimits } from '../../../src/listeners/protocol.js';
import { fuzzProperty, inProcessSuite, type FuzzProperty } from './suite.js';

const VIOLATION_CODES = new Set(['SUP_ERR_LISTENER_NOT_READY', 'SUP_ERR_LISTENER_UNSOLICITED', 'SUP_ERR_LISTENER_RESULT_LINE_TOO_LONG', 'SUP_ERR_LISTENER_RESULT_TOO_LARGE']);

/** A result body: any bytes, often with the protocol's own tokens inside. */
const body = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.array(fc.constantFrom('OK', 'FAIL', 'READY\n', 'RESULT 2\n', '\n', '\r\n', 'é', '\u0000'), { maxLength: 6 }).map((p) => Buffer.from(p.join(''))),
);

/** The 7 bytes 4.2.5 skips unread: "RESULT " as listeners write it, or any other 7 bytes without a newline. */
const resultPrefix = fc.oneof(
  { arbitrary: fc.constant(Buffer.from('RESULT ')), weight: 4 },
  // 'Ré5UL ' is 7 bytes but 6 characters
  { arbitrary: fc.constantFrom('result ', 'XXXXXX ', 'RESULT\t', 'Ré5UL ').map((s) => Buffer.from(s)), weight: 1 },
  { arbitrary: fc.uint8Array({ minLength: 7, maxLength: 7 }).map((b) => Buffer.from(b.map((x) => (x === 0x0a ? 0x20 : x)))), weight: 1 },
);

/** The length as a Python int() literal: padding, sign, leading zeros, underscores. */
function lengthText(n: number): fc.Arbitrary<string> {
  const digits = String(n);
  return fc
    .tuple(fc.constantFrom('', ' ', '  ', '\t'), fc.constantFrom('', '', '+'), fc.constantFrom('', '', '0', '00'), fc.boolean(), fc.constantFrom('', ' ', '\t', '\r'))
    .map(([before, sign, zeros, underscore, after]) => {
      const shown = underscore && digits.length > 1 ? `${digits[0]}_${digits.slice(1)}` : digits;
      return `${before}${sign}${zeros}${shown}${after}`;
    });
}

/** What one event's answer looks like on the wire: RESULT line, body, and (usually) READY for the next. */
const turn = body.chain((b) =>
  fc.tuple(resultPrefix, lengthText(b.length), fc.boolean()).map(([prefix, len, ready]) => ({
    bytes: Buffer.concat([prefix, Buffer.from(`${len}\n`), b, Buffer.from(ready ? 'READY\n' : '')]),
    body: b,
    ready,
  })),
);

/** A well-behaved listener: READY, then one turn per event it was sent. */
const validSession = fc.array(turn, { maxLength: 5 }).map((turns) => {
  // only the last turn may leave out its READY (the listener is still busy when we stop)
  const fixed = turns.map((t, i) => (i < turns.length - 1 && !t.ready ? { ...t, bytes: Buffer.concat([t.bytes, Buffer.from('READY\n')]), ready: true } : t));
  return { segments: [Buffer.from('READY\n'), ...fixed.map((t) => t.bytes)], turns: fixed };
});

/** Where each segment is cut into chunks (positions taken modulo its length). */
const cuts = fc.array(fc.array(fc.nat(), { maxLength: 8 }), { minLength: 7, maxLength: 7 });

function split(segment: Buffer, positions: number[]): Buffer[] {
  const at = [...new Set(positions.map((p) => (segment.length === 0 ? 0 : p % segment.length)))].filter((p) => p > 0).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of at) {
    chunks.push(segment.subarray(start, p));
    start = p;
  }
  chunks.push(segment.subarray(start));
  return chunks;
}

/**
 * Plays a listener's output through a decoder as a pool would: segment by segment (what the
 * listener wrote between two events), each in the given chunks, an event sent whenever the decoder
 * is READY between segments.
 */
function play(segments: Buffer[], segmentCuts: number[][] | null, limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS): ProtocolEvent[] {
  const protocol = new ListenerProtocol(limits);
  const events: ProtocolEvent[] = [];
  segments.forEach((segment, i) => {
    if (i > 0 && protocol.state === 'READY') events.push(...protocol.eventSent());
    const chunks = segmentCuts === null ? [segment] : split(segment, segmentCuts[i % segmentCuts.length]!);
    for (const chunk of chunks) events.push(...protocol.feed(Buffer.from(chunk)));
  });
  return events;
}

/** Events as comparable text; a violation's bytes depend on where the pipe cut them, so only its code counts. */
function outline(events: ProtocolEvent[]): string[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'state':
        return `${e.from}->${e.to}`;
      case 'result':
        return `result:${e.body.toString('hex')}`;
      case 'bad-result-line':
        return `bad-result-line:${e.line}`;
      case 'violation':
        return `violation:${e.code}`;
    }
  });
}

function expectedOutline(turns: Array<{ body: Buffer; ready: boolean }>): string[] {
  const out = ['ACKNOWLEDGED->READY'];
  for (const t of turns) {
    out.push('READY->BUSY', `result:${t.body.toString('hex')}`, 'BUSY->ACKNOWLEDGED');
    if (t.ready) out.push('ACKNOWLEDGED->READY');
  }
  return out;
}

/** Damages a session: bytes inserted, deleted or replaced, segments cut short. */
const garbageSession = fc.oneof(
  fc.array(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)), { minLength: 1, maxLength: 6 }),
  fc.tuple(validSession, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 4 }), fc.nat(3)), { minLength: 1, maxLength: 4 })).map(([session, edits]) => {
    const segments = session.segments.map((s) => Buffer.from(s));
    for (const [which, at, bytes, del] of edits) {
      const i = which % segments.length;
      const s = segments[i]!;
      const p = at % (s.length + 1);
      segments[i] = Buffer.concat([s.subarray(0, p), Buffer.from(bytes), s.subarray(p + del)]);
    }
    return segments;
  }),
  fc.array(fc.constantFrom('READY\n', 'READY', '\n', 'RESULT ', 'RESULT 2\nOK', 'RESULT x\n', 'RESULT -1\n', 'RESULT 99999999999999999999\n', 'RESULT 200\n', 'OK', 'READ', 'Y\n', ' '.repeat(40)), { minLength: 1, maxLength: 8 }).map((parts) => parts.map((p) => Buffer.from(p))),
);

/** Small limits too, so that the line and body limits are reached by short inputs. */
const limits = fc.constantFrom(DEFAULT_PROTOCOL_LIMITS, { maxResultLine: 16, maxResultBody: 100 }, { maxResultLine: 8, maxResultBody: 3 });

function listenerProtocolProperties(): FuzzProperty[] {
  return [
    fuzzProperty(
      'a valid listener session means the same in any chunking: every result, in order',
      10_000,
      fc.property(validSession, cuts, ({ segments, turns }, segmentCuts) => {
        const whole = outline(play(segments, null));
        assert.deepEqual(whole, expectedOutline(turns));
        assert.deepEqual(outline(play(segments, segmentCuts)), whole);
      }),
    ),
    fuzzProperty(
      'garbage in any chunking gives the same named violations or bad result line, never an exception',
      10_000,
      fc.property(garbageSession, cuts, limits, (segments, segmentCuts, chosenLimits) => {
        const whole = play(segments, null, chosenLimits);
        const chunked = play(segments, segmentCuts, chosenLimits);
        assert.deepEqual(outline(chunked), outline(whole));
        for (const events of [whole, chunked]) {
          for (const e of events) if (e.kind === 'violation') assert.ok(VIOLATION_CODES.has(e.code), e.code);
          // after UNKNOWN nothing more is reported: the pool restarts the listener
          const unknownAt = events.findIndex((e) => e.kind === 'state' && e.to === 'UNKNOWN');
          if (unknownAt >= 0) assert.equal(unknownAt, events.length - 1);
        }
      }),
    ),
  ];
}

export const listenerProtocolSuite = inProcessSuite('listener-protocol', listenerProtocolProperties);
