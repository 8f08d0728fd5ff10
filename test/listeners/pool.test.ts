// Pool dispatch rules (reference/events.md 3-5) as pure logic, with in-memory listeners that
// speak the protocol; the same pool runs real listener processes in the integration tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '../../src/logging/logger.js';
import { EventBus, EventSerials } from '../../src/events/bus.js';
import { ListenerPool, type PoolListener } from '../../src/listeners/pool.js';
import type { SupervisorEvent } from '../../src/events/types.js';
import { LEVELS } from '../../src/logging/levels.js';
import { EventSpool } from '../../src/listeners/spool.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** A temp dir for a test's spool files, removed when the test ends. */
function spoolDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

class MemoryLogger extends Logger {
  readonly lines: string[] = [];
  constructor() {
    super(LEVELS.BLAT);
    this.addSink({ write: (l) => this.lines.push(l.slice(24).trimEnd()), reopen() {}, close() {} });
  }
}

class FakeListener implements PoolListener {
  readonly received: string[] = [];
  running = true;
  broken = false;
  constructor(readonly name: string) {}
  isRunning(): boolean {
    return this.running;
  }
  send(parts: readonly Buffer[]): boolean {
    if (this.broken) return false;
    this.received.push(Buffer.concat(parts).toString());
    return true;
  }
}

const tick = (when: number): SupervisorEvent => ({ type: 'TICK_5', time: 0, when });
const headers = (envelope: string) => envelope.slice(0, envelope.indexOf('\n'));

function setup(bufferSize = 10, listenerCount = 1) {
  const logger = new MemoryLogger();
  const serials = new EventSerials();
  const violations: string[] = [];
  const pool = new ListenerPool({
    name: 'p',
    events: ['TICK'],
    bufferSize,
    identifier: 'supervisor',
    serials,
    logger,
    onProtocolViolation: (l) => violations.push(l.name),
  });
  const listeners = Array.from({ length: listenerCount }, (_, i) => new FakeListener(`p_${i}`));
  pool.setListeners(listeners);
  return { pool, listeners, logger, serials, violations };
}

test('events wait until a listener is READY, then go out oldest first, one at a time', () => {
  const { pool, listeners } = setup();
  const [l] = listeners;
  pool.accept(tick(5));
  pool.accept(tick(10));
  assert.equal(l!.received.length, 0, 'nothing before READY');
  pool.listenerOutput(l!, Buffer.from('READY\n'));
  assert.deepEqual(l!.received.map(headers), ['ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6']);
  pool.listenerOutput(l!, Buffer.from('RESULT 2\nOKREADY\n'));
  assert.equal(l!.received.length, 2);
  assert.match(l!.received[1]!, /serial:1 pool:p poolserial:1 .*\nwhen:10$/);
  assert.equal(pool.stats.delivered, 1);
});

test('a listener inside startsecs (not RUNNING) gets nothing even when READY', () => {
  const { pool, listeners } = setup();
  const [l] = listeners;
  l!.running = false;
  pool.listenerOutput(l!, Buffer.from('READY\n'));
  pool.accept(tick(5));
  assert.equal(l!.received.length, 0);
  l!.running = true;
  pool.listenerRunning();
  assert.equal(l!.received.length, 1);
});

test('FAIL puts the event back at the head: the same serial and poolserial come again', () => {
  const { pool, listeners, logger } = setup();
  const [l] = listeners;
  pool.accept(tick(5));
  pool.accept(tick(10));
  pool.listenerOutput(l!, Buffer.from('READY\n'));
  pool.listenerOutput(l!, Buffer.from('RESULT 4\nFAILREADY\n'));
  assert.deepEqual(l!.received.map(headers).map((h) => h.split(' ').slice(2, 5).join(' ')), [
    'serial:0 pool:p poolserial:0',
    'serial:0 pool:p poolserial:0',
  ]);
  assert.ok(logger.lines.includes('WARN p_0: event was rejected'));
  assert.ok(logger.lines.includes('DEBG rebuffering event 0 for pool p (buf size=1, max=10)'));
});

test('a listener that dies while BUSY: the event goes to the next READY listener', () => {
  const { pool, listeners } = setup(10, 2);
  const [a, b] = listeners;
  pool.listenerOutput(a!, Buffer.from('READY\n'));
  pool.listenerOutput(b!, Buffer.from('READY\n'));
  pool.accept(tick(5));
  assert.equal(a!.received.length, 1, 'the first READY listener in order wins');
  assert.equal(b!.received.length, 0);
  a!.running = false;
  pool.listenerExited(a!);
  assert.equal(b!.received.length, 1);
  assert.equal(headers(b!.received[0]!), headers(a!.received[0]!));
});

test('numprocs=4: every event delivered exactly once across the listeners', () => {
  const { pool, listeners } = setup(1000, 4);
  for (const l of listeners) pool.listenerOutput(l, Buffer.from('READY\n'));
  for (let i = 0; i < 200; i++) {
    pool.accept(tick(i));
    // whoever got one answers OK and is READY again
    for (const l of listeners) {
      if (pool.protocolState(l) === 'BUSY') pool.listenerOutput(l, Buffer.from('RESULT 2\nOKREADY\n'));
    }
  }
  const whens = listeners.flatMap((l) => l.received.map((r) => Number(r.split('when:')[1])));
  assert.equal(whens.length, 200);
  assert.deepEqual([...whens].sort((x, y) => x - y), Array.from({ length: 200 }, (_, i) => i));
  assert.equal(pool.stats.delivered, 200);
});

test('overflow without a spool (buffer_overflow=drop, 4.2.5) drops the oldest, counts every drop, logs once per burst and sums it up after', () => {
  const { pool, listeners, logger } = setup(3);
  for (let i = 0; i < 8; i++) pool.accept(tick(i));
  assert.equal(pool.stats.dropped, 5);
  assert.deepEqual(logger.lines.filter((l) => l.includes('overflowed')), ['ERRO pool p event buffer overflowed, discarding event 0']);
  const [l] = listeners;
  pool.listenerOutput(l!, Buffer.from('READY\n'));
  assert.match(l!.received[0]!, /when:5$/, 'the three newest survived');
  assert.ok(logger.lines.includes('ERRO pool p discarded 5 events (0 output lines) while its buffer was full (buffer_size=3)'));
});

test('serials: global across pools, taken only when a pool accepts; poolserial per pool', () => {
  const serials = new EventSerials();
  const logger = new MemoryLogger();
  const bus = new EventBus();
  const make = (name: string, events: ('TICK' | 'PROCESS_GROUP')[]) => {
    const pool = new ListenerPool({ name, events, bufferSize: 10, identifier: 's', serials, logger });
    const l = new FakeListener(`${name}_0`);
    pool.setListeners([l]);
    pool.listenerOutput(l, Buffer.from('READY\n'));
    bus.subscribe(name, events, (e) => pool.accept(e));
    return { pool, l };
  };
  const ticks = make('ticks', ['TICK']);
  const groups = make('groups', ['PROCESS_GROUP']);
  bus.publish({ type: 'REMOTE_COMMUNICATION', time: 0, commtype: 'x', data: '' }); // nobody: no serial
  bus.publish({ type: 'PROCESS_GROUP_ADDED', time: 0, groupname: 'g' });
  bus.publish(tick(5));
  assert.match(groups.l.received[0]!, /serial:0 pool:groups poolserial:0/);
  assert.match(ticks.l.received[0]!, /serial:1 pool:ticks poolserial:0/);
});

test('overlapping subscriptions deliver an event once (4.2.5 delivers it twice)', () => {
  const serials = new EventSerials();
  const bus = new EventBus();
  const pool = new ListenerPool({ name: 'p', events: ['TICK', 'TICK_5'], bufferSize: 10, identifier: 's', serials, logger: new MemoryLogger() });
  bus.subscribe('p', ['TICK', 'TICK_5'], (e) => pool.accept(e));
  bus.publish(tick(5));
  assert.equal(pool.stats.accepted, 1);
});

test('a garbage-writing listener is reported for restart and its event waits for the next READY listener', () => {
  const { pool, listeners, violations, logger } = setup(10, 1);
  const [l] = listeners;
  pool.listenerOutput(l!, Buffer.from('READY\n'));
  pool.accept(tick(5));
  pool.listenerOutput(l!, Buffer.from('RESULT 2\nOK')); // done
  pool.accept(tick(10));
  pool.listenerOutput(l!, Buffer.from('oops, not READY\n')); // garbage while ACKNOWLEDGED
  assert.deepEqual(violations, ['p_0']);
  assert.ok(logger.lines.some((line) => line.includes('has entered the UNKNOWN state')));
  // the owner restarts the process: a new spawn gets the waiting event
  pool.listenerSpawned(l!);
  pool.listenerOutput(l!, Buffer.from('READY\n'));
  assert.match(l!.received.at(-1)!, /when:10$/);
});

test('a subscriber that throws does not stop delivery to the others', () => {
  const errors: string[] = [];
  const bus = new EventBus((name) => errors.push(name));
  const seen: string[] = [];
  bus.subscribe('bad', ['EVENT'], () => {
    throw new Error('boom');
  });
  bus.subscribe('good', ['EVENT'], (e) => seen.push(e.type));
  bus.publish(tick(5));
  assert.deepEqual(errors, ['bad']);
  assert.deepEqual(seen, ['TICK_5']);
  assert.equal(bus.hasSubscribers('TICK_5'), true);
});

test('spool overflow: 10,000 events through a buffer of 10 to a slow listener, all delivered in order, none dropped', async (t) => {
  const dir = spoolDir(t);
  const spool = new EventSpool(path.join(dir, 'p.spool'));
  const pool = new ListenerPool({
    name: 'p', events: ['PROCESS_LOG'], bufferSize: 10, identifier: 's', serials: new EventSerials(), logger: new MemoryLogger(),
    overflow: 'spool', spool,
  });
  const l = new FakeListener('p_0');
  pool.setListeners([l]);
  for (let i = 0; i < 10_000; i++) {
    pool.accept({ type: 'PROCESS_LOG_STDOUT', time: 0, processname: 'w', groupname: 'w', pid: 1, channel: 'stdout', lines: [`line ${i} é`] });
  }
  assert.equal(pool.stats.dropped, 0);
  assert.equal(pool.stats.spooled, 9990);
  pool.listenerOutput(l, Buffer.from('READY\n'));
  while (pool.protocolState(l) === 'BUSY') pool.listenerOutput(l, Buffer.from('RESULT 2\nOKREADY\n'));
  const lines = l.received.map((r) => r.slice(r.lastIndexOf('\n', r.length - 2) + 1));
  assert.equal(lines.length, 10_000);
  lines.forEach((line, i) => assert.equal(line, `line ${i} é\n`));
  assert.equal(fs.statSync(spool.path).size, 0, 'the spool file is emptied once drained');
  spool.close();
});

test('a spool over its byte cap drops the newest (the spooled ones are kept, in order), counts every drop, logs once per burst', async (t) => {
  const dir = spoolDir(t);
  const spool = new EventSpool(path.join(dir, 'p.spool'), 2000);
  const logger = new MemoryLogger();
  const pool = new ListenerPool({ name: 'p', events: ['TICK'], bufferSize: 2, identifier: 's', serials: new EventSerials(), logger, overflow: 'spool', spool });
  for (let i = 0; i < 100; i++) pool.accept(tick(i));
  const { dropped, buffered, spooled, spoolBytes } = pool.stats;
  const kept = buffered + spooled;
  assert.ok(dropped > 0 && spooled > 0, `dropped ${dropped}, spooled ${spooled}`);
  assert.equal(dropped + kept, 100);
  assert.ok(spoolBytes <= 2000, `${spoolBytes} bytes spooled`);
  assert.deepEqual(
    logger.lines.filter((line) => line.includes('discard')),
    [`ERRO pool p cannot spool event ${kept}, discarding it: spool ${spool.path} is full (2000 bytes)`],
    'the first drop of the burst, logged once',
  );
  // the listener drains it all: the first `kept` events arrive in order, then the burst's total
  const l = new FakeListener('p_0');
  pool.setListeners([l]);
  pool.listenerOutput(l, Buffer.from('READY\n'));
  while (pool.protocolState(l) === 'BUSY') pool.listenerOutput(l, Buffer.from('RESULT 2\nOKREADY\n'));
  assert.deepEqual(l.received.map((r) => Number(r.split('when:')[1])), Array.from({ length: kept }, (_, i) => i));
  assert.ok(logger.lines.includes(`ERRO pool p discarded ${dropped} events (0 output lines) while its spool could not take them (buffer_spool_maxbytes=2000)`));
  assert.equal(pool.stats.dropped, dropped);
  pool.close('at shutdown');
  assert.equal(fs.existsSync(spool.path), false, 'closing the pool removes its spool file');
});

test('a reload hands a pool\'s events to the next run\'s pool: taken over in order (spool and poolserials too), or through 4.2.5\'s buffer in a dropping pool', async (t) => {
  const dir = spoolDir(t);
  const serials = new EventSerials();
  const spooling = (name: string, spool = new EventSpool(path.join(dir, `${name}.spool`))) =>
    new ListenerPool({ name: 'p', events: ['TICK'], bufferSize: 2, identifier: 's', serials, logger: new MemoryLogger(), overflow: 'spool', spool });
  const drain = (pool: ListenerPool) => {
    const l = new FakeListener('p_0');
    pool.setListeners([l]);
    pool.listenerOutput(l, Buffer.from('READY\n'));
    while (pool.protocolState(l) === 'BUSY') pool.listenerOutput(l, Buffer.from('RESULT 2\nOKREADY\n'));
    return l.received.map((r) => /poolserial:(\d+) .*when:(\d+)$/s.exec(r)!.slice(1).join('/'));
  };

  const first = spooling('first');
  for (let i = 0; i < 20; i++) first.accept(tick(i));
  const backlog = first.handOver();
  assert.deepEqual([first.stats.buffered, first.stats.spooled], [0, 0], 'the old pool is left empty');
  const second = spooling('second');
  second.adopt(backlog);
  second.accept(tick(100));
  assert.deepEqual(second.stats.dropped, 0);
  assert.deepEqual(drain(second), [...Array.from({ length: 20 }, (_, i) => `${i}/${i}`), '20/100'], 'in order, poolserials go on');
  assert.equal(fs.existsSync(path.join(dir, 'second.spool')), false, "the new pool's own spool was never needed");
  second.close('at shutdown');
  assert.equal(fs.existsSync(path.join(dir, 'first.spool')), false);

  const again = spooling('again');
  for (let i = 0; i < 20; i++) again.accept(tick(i));
  const logger = new MemoryLogger();
  const dropping = new ListenerPool({ name: 'p', events: ['TICK'], bufferSize: 5, identifier: 's', serials, logger, overflow: 'drop' });
  dropping.adopt(again.handOver());
  assert.deepEqual(dropping.stats.dropped, 15);
  assert.deepEqual(drain(dropping), ['15/15', '16/16', '17/17', '18/18', '19/19'], "the newest five, as 4.2.5's buffer keeps them");
  assert.equal(fs.existsSync(path.join(dir, 'again.spool')), false, 'the carried spool is read and removed');
});

test('the memory tier: past buffer_size events wait in memory up to its bytes, then in the spool file; all come out in order, whole, each once', async (t) => {
  const dir = spoolDir(t);
  const spool = new EventSpool(path.join(dir, 'p.spool'));
  const results: string[] = [];
  const pool = new ListenerPool({
    name: 'p', events: ['PROCESS_LOG'], bufferSize: 3, identifier: 's', serials: new EventSerials(), logger: new MemoryLogger(),
    overflow: 'spool', spool, memoryBytes: 1000,
    // a custom result handler sees the event's lines, cut back out of its bytes past the buffer
    resultHandler: (event, body) => {
      if ('lines' in event) results.push(event.lines.join('|'));
      return body.equals(Buffer.from('OK')) ? 'accepted' : 'rejected';
    },
  });
  const l = new FakeListener('p_0');
  pool.setListeners([l]);
  // each payload is about 65 bytes: 3 in the buffer, 15 in memory, the rest in the file
  const event = (i: number): SupervisorEvent => ({
    type: 'PROCESS_LOG_STDOUT', time: 0, processname: 'w', groupname: 'w', pid: 1, channel: 'stdout', lines: [`a${i} ☃`, `b${i} 😀`, ''],
  });
  for (let i = 0; i < 30; i++) pool.accept(event(i));
  assert.ok(!fs.existsSync(spool.path) || fs.statSync(spool.path).size > 0);
  const spooled = pool.stats.spooled;
  assert.ok(spooled > 0 && spooled < 27, `some in memory, the rest in the file (spooled ${spooled})`);
  assert.equal(pool.stats.buffered + spooled, 30);
  // the first 3 + memory tier are never written to the file
  assert.equal(pool.stats.spoolWrites, spooled);
  // an event accepted while the file holds some goes behind them, not into memory
  pool.accept(event(30));
  assert.equal(pool.stats.spooled, spooled + 1);

  pool.listenerOutput(l, Buffer.from('READY\n'));
  while (pool.protocolState(l) === 'BUSY') pool.listenerOutput(l, Buffer.from('RESULT 2\nOKREADY\n'));
  assert.equal(l.received.length, 31);
  l.received.forEach((envelope, i) => {
    const body = `processname:w groupname:w pid:1 channel:stdout\na${i} ☃\nb${i} 😀\n\n`;
    assert.equal(envelope.slice(envelope.indexOf('\n') + 1), body);
    // len: counts code points, as 4.2.5's Python does
    assert.match(headers(envelope), new RegExp(` poolserial:${i} eventname:PROCESS_LOG_STDOUT len:${[...body].length}$`));
  });
  assert.deepEqual(results, Array.from({ length: 31 }, (_, i) => `a${i} ☃|b${i} 😀|`));
  assert.deepEqual([pool.stats.buffered, pool.stats.spooled, pool.stats.dropped], [0, 0, 0]);
  spool.close();
});
