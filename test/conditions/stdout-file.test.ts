// supervisord's stdout and stderr redirected to a regular file (`supervisord -n -c conf > out.log
// 2>&1`, as a service manager or nohup does), with /dev/stdout child logs and stdout-prefix in text
// and JSON mode writing to it beside the main log (a program restarted every 0.2 s keeps it going):
// every line of the file must be a whole line of one of them, and every consumer must hold every
// line of its programs, in order, once.
import { before, test } from 'node:test';
import { BURSTS, runCondition, type ConditionResult } from './run.js';

const ALL = Object.keys(BURSTS);
let result: ConditionResult;

before(async () => {
  result = await runCondition({
    label: 'stdout-file',
    stdout: 'file',
    churn: true,
    programs: [BURSTS.ascii, { ...BURSTS.batch, devStdout: true }, { ...BURSTS.utf8, devStdout: true }, BURSTS.big],
    prefixed: { programs: ALL, output: 'stdout' },
    json: { programs: ALL, output: 'stderr' },
  });
});

test('the run ends: programs exit, consumers get their last lines, SIGTERM stops supervisord', () => result.assertClean('the run'));
test('regular log files hold every line of their program', () => result.assertClean('log file'));
test('out.log: every line is a main log, /dev/stdout, prefixed or JSON line', () => result.assertClean('every line fits'));
test('out.log: the main log lines, all of them, in order', () => result.assertClean('main log lines'));
test('out.log: /dev/stdout child logs (batch, utf8)', () => result.assertClean('/dev/stdout lines'));
test('out.log: stdout-prefix text lines of every program', () => result.assertClean('stdout-prefix text'));
test('out.log: stdout-prefix JSON lines of every program', () => result.assertClean('stdout-prefix JSON'));
