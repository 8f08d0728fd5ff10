// supervisord's stdout and stderr on pipes read at 1 MB/s each (16 KiB every 16 ms, a container
// runtime's pace), with a program restarted every 0.2 s so that main log lines are written all
// along. Two runs, so that each failure names its cause: stdout-prefix text and JSON lines (100 KiB
// lines, short non-ASCII lines) beside the main log on stdout, JSON lines alone on stderr; then
// /dev/stdout child logs beside the main log.
import { before, describe, test } from 'node:test';
import { BURSTS, runCondition, type ConditionResult } from './run.js';

const ALL = Object.keys(BURSTS);

describe('stdout-prefix on a slow pipe', () => {
  let result: ConditionResult;
  before(async () => {
    result = await runCondition({
      label: 'pipe-prefix',
      stdout: 'paced-pipe',
      churn: true,
      programs: Object.values(BURSTS),
      prefixed: { programs: ALL, output: 'stdout' },
      // the lines past 4 KiB and the non-ASCII ones: the JSON stream of all would double the run
      json: { programs: [BURSTS.utf8.name, BURSTS.big.name], output: 'stderr' },
    });
  });

  test('the run ends: programs exit, consumers get their last lines, SIGTERM stops supervisord', () => result.assertClean('the run'));
  test('regular log files hold every line of their program', () => result.assertClean('log file'));
  test('stdout: every line is a main log or prefixed line', () => result.assertClean('stdout.log: every line fits'));
  test('stdout: the main log lines, all of them, in order', () => result.assertClean('stdout.log: main log lines'));
  test('stdout: stdout-prefix text lines of every program', () => result.assertClean('stdout-prefix text'));
  test('stderr: only whole stdout-prefix JSON lines', () => result.assertClean('stderr.log: every line fits'));
  test('stderr: stdout-prefix JSON lines of utf8 and big', () => result.assertClean('stdout-prefix JSON'));
});

describe('/dev/stdout child logs on a slow pipe', () => {
  let result: ConditionResult;
  before(async () => {
    result = await runCondition({
      label: 'pipe-dev-stdout',
      stdout: 'paced-pipe',
      churn: true,
      programs: [BURSTS.ascii, { ...BURSTS.batch, devStdout: true }, { ...BURSTS.utf8, devStdout: true }, BURSTS.big],
    });
  });

  test('the run ends: programs exit, consumers get their last lines, SIGTERM stops supervisord', () => result.assertClean('the run'));
  test('regular log files hold every line of their program', () => result.assertClean('log file'));
  test('stdout: every line is a main log or /dev/stdout line', () => result.assertClean('stdout.log: every line fits'));
  test('stdout: the main log lines, all of them, in order', () => result.assertClean('stdout.log: main log lines'));
  test('stdout: /dev/stdout child logs (batch, utf8)', () => result.assertClean('/dev/stdout lines'));
});
