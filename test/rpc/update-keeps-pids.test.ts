// reread/update as 4.2.5 means them: only changed groups restart; an unchanged program keeps its pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { FIXTURES, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { OUR_SUPERVISORCTL } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';

const FOREVER = path.join(FIXTURES, 'forever.sh');

test('update restarts the changed program, adds and removes groups, and leaves the unchanged one alone', async (t) => {
  const dir = makeTempDir('sv-update-');
  const socket = path.join(dir, 'sock');
  const base = `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://${socket}\n`;
  const programs = (bCommand: string, extra = '[program:gone]\ncommand=' + FOREVER + '\nstartsecs=0\n') =>
    `${base}[program:a]\ncommand=${FOREVER}\nstartsecs=0\n[program:b]\ncommand=${bCommand}\nstartsecs=0\n${extra}`;
  const conf = writeConfig(dir, programs(FOREVER));
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(() => daemon.stop());
  await daemon.waitForLog(/success: gone entered RUNNING/);
  await daemon.waitForLog(/success: b entered RUNNING/);
  const pid = async (name: string) => ((await rpcCall(socket, 'supervisor.getProcessInfo', [name])) as { pid: number }).pid;
  const [a1, b1] = [await pid('a'), await pid('b')];

  writeConfig(dir, programs(`${FOREVER} changed`, `[program:new]\ncommand=${FOREVER}\nstartsecs=0\n`));
  const ctl = spawnSync(process.execPath, [OUR_SUPERVISORCTL, '-c', conf, 'update'], { encoding: 'utf8' });
  assert.equal(ctl.status, 0, ctl.stderr);
  assert.deepEqual(ctl.stdout.split('\n').filter(Boolean).sort(), [
    'b: stopped',
    'b: updated process group',
    'gone: removed process group',
    'gone: stopped',
    'new: added process group',
  ]);
  await daemon.waitForLog(/success: new entered RUNNING/);
  await waitFor(() => (daemon.mainLog().match(/spawned: 'b' with pid/g) ?? []).length === 2, 10_000, 'b spawned again');
  assert.equal(await pid('a'), a1, 'a is unchanged: same pid');
  assert.notEqual(await pid('b'), b1, 'b changed: restarted');
  await assert.rejects(rpcCall(socket, 'supervisor.getProcessInfo', ['gone']), /BAD_NAME/);
});
