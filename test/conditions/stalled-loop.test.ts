// The event loop stalled 300 ms per event by an in-process plugin (subscribed to a program that
// prints a line every 150 ms) while the bursts run: the line consumers (an in-process plugin that
// records cut marks, a supervisor.childutils listener pool with default settings) and the log files
// must still get every line whole, once, in order; a redirect_stderr program's log keeps the order
// in which it wrote to stdout and stderr.
import { before, test } from 'node:test';
import { BURSTS, runCondition, type ConditionResult, type ProgramSpec } from './run.js';

const TICKER: ProgramSpec = { name: 'ticker', kind: 'ascii', count: 40, interval: 0.15, keys: ['priority=1'] };
const MIXED: ProgramSpec = { name: 'mixed', kind: 'ascii', count: 4000, alternateStderr: true, keys: ['redirect_stderr=true'] };
const PROGRAMS = [TICKER, ...Object.values(BURSTS), MIXED];
const ALL = PROGRAMS.map((p) => p.name);
let result: ConditionResult;

before(async () => {
  result = await runCondition({
    label: 'stalled-loop',
    stdout: 'pipe',
    programs: PROGRAMS,
    plugin: ALL,
    listener: ALL,
    stall: { program: TICKER.name, ms: 300 },
  });
});

test('the run ends: programs exit, consumers get their last lines, SIGTERM stops supervisord', () => result.assertClean('the run'));
test('regular log files hold every line of their program (mixed.log: stdout and stderr in written order)', () => result.assertClean('log file'));
test('in-process plugin: every line whole (split pieces joined, none partial), once, in order', () => result.assertClean('in-process plugin'));
test('childutils listener pool with default settings: every line whole, once, in order', () => result.assertClean('listener pool'));
test('stdout: the main log lines, all of them, in order, nothing else', () => {
  result.assertClean('stdout.log');
  result.assertClean('stderr.log');
});
