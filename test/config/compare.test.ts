// Which re-read configs count as changed (reread's answer), and which changed groups the granular
// update takes member by member; the rest are replaced whole, as 4.2.5 does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/loader.js';
import type { GroupConfig } from '../../src/config/types.js';
import { ProcessGroup } from '../../src/process/group.js';
import { planGroupUpdate } from '../../src/process/group-update.js';
import type { Subprocess } from '../../src/process/subprocess.js';
import { diffGroups } from '../../src/rpc/config-diff.js';
import { makeTempDir } from '../helpers/daemon.js';

const dir = makeTempDir('sv-compare-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function groups(body: string): GroupConfig[] {
  const file = path.join(dir, 'sd.conf');
  fs.writeFileSync(file, `[supervisord]\nlogfile=${dir}/sd.log\n${body}`);
  return loadConfig(file, { env: { PATH: '/bin' }, cwd: '/', relaxed: true }).groups;
}

function changed(before: string, after: string): string[] {
  return diffGroups(groups(before), groups(after)).changed.map((g) => g.name);
}

// a group of stand-in processes: planning reads only their names and configs
function active(config: GroupConfig): ProcessGroup {
  return new ProcessGroup(config, config.processes.map((pc) => ({ name: pc.name, config: pc }) as unknown as Subprocess));
}

describe('reread: what counts as changed', () => {
  test('a key beyond 4.2.5 is compared as written', () => {
    assert.deepEqual(changed('[program:x]\ncommand=/bin/true\n', '[program:x]\ncommand=/bin/true\nstdout_logfile_timestamps=true\n'), ['x']);
    assert.deepEqual(changed('[program:x]\ncommand=/bin/true\nessential=false\n', '[program:x]\ncommand=/bin/true\nessential=true\n'), ['x']);
  });

  test('as in 4.2.5: unknown keys are not compared, and the same meaning written otherwise is no change', () => {
    assert.deepEqual(changed('[program:x]\ncommand=/bin/true\n', '[program:x]\ncommand=/bin/true\nno_such_key=1\n'), []);
    assert.deepEqual(changed('[program:x]\ncommand=/bin/true\nautostart=true\n', '[program:x]\ncommand=/bin/true\nautostart=yes\n'), []);
  });
});

describe('granular update: which changed groups are taken member by member', () => {
  const W = (numprocs: number, extra = '') => `[program:w]\ncommand=/bin/true\nprocess_name=w_%(process_num)s\nnumprocs=${numprocs}\n${extra}`;

  test('numprocs down: the last member goes, the others are kept', () => {
    const [before] = groups(W(3));
    const [next] = groups(W(2));
    const plan = planGroupUpdate(active(before!), next!)!;
    assert.deepEqual(plan.kept.map((p) => p.name), ['w_0', 'w_1']);
    assert.deepEqual(plan.outgoing.map((p) => p.name), ['w_2']);
    assert.deepEqual(plan.incoming, []);
  });

  test('numprocs up: the new members come in, the others are kept', () => {
    const plan = planGroupUpdate(active(groups(W(2))[0]!), groups(W(3))[0]!)!;
    assert.deepEqual(plan.kept.map((p) => p.name), ['w_0', 'w_1']);
    assert.deepEqual(plan.incoming.map((p) => p.name), ['w_2']);
  });

  test('whole-group replacement: a group-level change, no member kept, an event listener pool', () => {
    assert.equal(planGroupUpdate(active(groups(W(2))[0]!), groups(W(2, 'priority=5\n'))[0]!), null, 'priority');
    assert.equal(planGroupUpdate(active(groups(W(2))[0]!), groups(W(2, 'startsecs=5\n'))[0]!), null, 'every member changed');
    const pool = (n: number) => `[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nprocess_name=l_%(process_num)s\nnumprocs=${n}\n`;
    assert.equal(planGroupUpdate(active(groups(pool(2))[0]!), groups(pool(3))[0]!), null, 'pool');
  });
});
