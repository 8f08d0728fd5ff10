// One log read returns at most MAX_LOG_READ_BYTES: readProcessStdoutLog(name, 0, 0) on a 700 MB
// log (a sparse file, so the test costs no disk) answers 4.2.5's FAILED fault with a text that
// names the cap, asked by 4.2.5's own client (Python's xmlrpc.client over supervisor's transport);
// before the cap it allocated the whole file and answered HTTP 500 about UTF-8.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { FOREVER } from '../faults/helpers.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const HUGE = 700 * 1024 * 1024;

/** Calls `method` with 4.2.5's client; answers the value, or {faultCode, faultString}. */
function pythonCall(socket: string, method: string, params: unknown[]): unknown {
  const script = `
import json, sys, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
proxy = xmlrpc.client.ServerProxy('http://127.0.0.1', transport=SupervisorTransport(None, None, 'unix://' + sys.argv[1]))
method, params = sys.argv[2], json.loads(sys.argv[3])
try:
    value = getattr(proxy, method)(*params)
    print(json.dumps({'value': value if len(str(value)) < 1000 else len(value)}))
except xmlrpc.client.Fault as fault:
    print(json.dumps({'faultCode': fault.faultCode, 'faultString': fault.faultString}))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, socket, method, JSON.stringify(params)], { encoding: 'utf8' }));
}

test('a read of a 700 MB log answers FAILED naming the 64 MiB cap; reads within the cap still work', async () => {
  const dir = makeTempDir('log-read-cap-');
  dirs.push(dir);
  const socket = path.join(dir, 'sock');
  const log = path.join(dir, 'big.log');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${socket}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[program:big]\ncommand=${FOREVER}\nstdout_logfile=${log}\nstdout_logfile_maxbytes=0\nstartsecs=0\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  try {
    await daemon.waitForLog(/success: big entered RUNNING state/);
    // sparse: 700 MB of holes, then a last line that a small read can find
    fs.truncateSync(log, HUGE);
    fs.appendFileSync(log, 'the end\n');
    const size = HUGE + 'the end\n'.length;
    const cap = `FAILED: reading ${size} bytes of ${log} exceeds the 64 MiB one log read may return; read it in parts with offset and length`;

    assert.deepEqual(pythonCall(socket, 'supervisor.readProcessStdoutLog', ['big', 0, 0]), { faultCode: 30, faultString: cap });
    assert.deepEqual(pythonCall(socket, 'supervisor.tailProcessStdoutLog', ['big', 0, HUGE + 100]), {
      faultCode: 30,
      faultString: cap,
    });
    // within the cap, and the daemon is unharmed
    assert.deepEqual(pythonCall(socket, 'supervisor.readProcessStdoutLog', ['big', -8, 0]), { value: 'the end\n' });
    assert.deepEqual(pythonCall(socket, 'supervisor.readProcessStdoutLog', ['big', size - 4, 0]), { value: 'end\n' });
    assert.deepEqual(pythonCall(socket, 'supervisor.tailProcessStdoutLog', ['big', 0, 8]), { value: ['the end\n', size, true] });
    // the main log (readLog) is capped the same way
    const mainLog = path.join(dir, 'supervisord.log');
    fs.truncateSync(mainLog, HUGE);
    const mainAnswer = pythonCall(socket, 'supervisor.readLog', [0, 0]) as { faultCode: number; faultString: string };
    assert.equal(mainAnswer.faultCode, 30);
    assert.match(mainAnswer.faultString, /^FAILED: reading \d+ bytes of .*supervisord\.log exceeds the 64 MiB one log read may return/);
    assert.equal(((await rpcCall(socket, 'supervisor.getState')) as { statename: string }).statename, 'RUNNING');
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});
