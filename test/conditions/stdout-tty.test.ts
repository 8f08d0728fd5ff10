// supervisord in a terminal (a pseudo-terminal showing its stdout and stderr, onlcr turning \n into
// \r\n): /dev/stdout child logs, stdout-prefix text (coloured: auto on a TTY) and JSON, and the
// main log (a program restarted every 0.2 s keeps it going), all on one screen.
import { before, test } from 'node:test';
import { BURSTS, runCondition, type ConditionResult } from './run.js';

const ALL = Object.keys(BURSTS);
let result: ConditionResult;

before(async () => {
  result = await runCondition({
    label: 'stdout-tty',
    stdout: 'pty',
    churn: true,
    programs: [BURSTS.ascii, { ...BURSTS.batch, devStdout: true }, { ...BURSTS.utf8, devStdout: true }, BURSTS.big],
    prefixed: { programs: ALL, output: 'stdout' },
    json: { programs: ALL, output: 'stderr' },
  });
});

test('the run ends: programs exit, consumers get their last lines, SIGTERM stops supervisord', () => result.assertClean('the run'));
test('regular log files hold every line of their program', () => result.assertClean('log file'));
test('terminal: every line is a main log, /dev/stdout, prefixed or JSON line', () => result.assertClean('every line fits'));
test('terminal: the main log lines, all of them, in order', () => result.assertClean('main log lines'));
test('terminal: /dev/stdout child logs (batch, utf8)', () => result.assertClean('/dev/stdout lines'));
test('terminal: stdout-prefix text lines of every program', () => result.assertClean('stdout-prefix text'));
test('terminal: stdout-prefix JSON lines of every program', () => result.assertClean('stdout-prefix JSON'));
