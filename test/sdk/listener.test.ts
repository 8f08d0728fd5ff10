// The Node listener SDK as a real [eventlistener:x] under the real supervisord 4.2.5: the same
// bytes a childutils listener reads, including a payload whose len counts an emoji once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { listen, utf8PrefixLength } from '../../src/sdk/listener.js';
import { REPO_ROOT, makeTempDir, waitFor } from '../helpers/daemon.js';

test('utf8PrefixLength counts code points, and waits for a split multi-byte character', () => {
  const text = Buffer.from('a😀é!');
  assert.equal(utf8PrefixLength(text, 2), 5);
  assert.equal(utf8PrefixLength(text, 4), text.length);
  assert.equal(utf8PrefixLength(text.subarray(0, 3), 2), -1);
});

test('listen(): READY, parse, OK; a throw inside the loop answers FAIL', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  const written: string[] = [];
  output.on('data', (d: Buffer) => written.push(d.toString()));
  const payload = 'type:emoji\n😀';
  input.write(`ver:3.0 server:s serial:1 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:12\n${payload}`);
  input.write('ver:3.0 server:s serial:2 pool:p poolserial:1 eventname:TICK_5 len:15\nwhen:1795305405');
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const event of listen({ input, output })) {
      seen.push(`${event.eventname} ${JSON.stringify(event.fields)} ${event.data}`);
      if (event.eventname === 'TICK_5') throw new Error('handler failed');
    }
  }, /handler failed/);
  assert.deepEqual(seen, ['REMOTE_COMMUNICATION {"type":"emoji"} 😀', 'TICK_5 {"when":"1795305405"} null']);
  assert.equal(written.join(''), 'READY\nRESULT 2\nOKREADY\nRESULT 4\nFAIL');
});

test('the example Node listener runs under the real supervisord 4.2.5 and reads its events exactly', async (t) => {
  const dir = makeTempDir();
  const record = path.join(dir, 'events.jsonl');
  const sock = path.join(dir, 'supervisor.sock');
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n` +
      `[unix_http_server]\nfile=${sock}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[eventlistener:rec]\ncommand=${process.execPath} ${path.join(REPO_ROOT, 'examples/listeners/record-events.mjs')}\n` +
      `events=PROCESS_STATE,REMOTE_COMMUNICATION,PROCESS_GROUP\nenvironment=RECORD_FILE="${record}"\n` +
      `[program:short]\ncommand=/bin/sh -c "sleep 1.2"\nautorestart=false\n`,
  );
  const daemon = spawn('/usr/bin/supervisord', ['-n', '-c', conf], { stdio: 'ignore' });
  t.after(() => {
    if (daemon.exitCode === null) daemon.kill('SIGTERM');
  });
  const lines = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  await waitFor(() => lines().some((e) => e.headers.eventname === 'PROCESS_STATE_EXITED'), 15_000, 'EXITED event');
  const rpc = `import xmlrpc.client, http.client, socket
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(${JSON.stringify(sock)})
class T(xmlrpc.client.Transport):
    def make_connection(self, host): return C('localhost')
xmlrpc.client.ServerProxy('http://localhost', transport=T()).supervisor.sendRemoteCommEvent('emoji', '😀 and é')`;
  execFileSync('/usr/bin/python3', ['-c', rpc]);
  await waitFor(() => lines().some((e) => e.headers.eventname === 'REMOTE_COMMUNICATION'), 10_000, 'remote event');

  const events = lines();
  const remote = events.find((e) => e.headers.eventname === 'REMOTE_COMMUNICATION');
  assert.deepEqual(remote.fields, { type: 'emoji' });
  assert.equal(remote.data, '😀 and é');
  assert.equal(remote.headers.len, 'type:emoji\n😀 and é'.length - 1, 'len counts the emoji once');
  const names = events.map((e: { headers: { eventname: string } }) => e.headers.eventname);
  assert.deepEqual(names.slice(0, 2), ['PROCESS_GROUP_ADDED', 'PROCESS_GROUP_ADDED']);
  const exited = events.find((e) => e.headers.eventname === 'PROCESS_STATE_EXITED');
  assert.equal(exited.fields.processname, 'short');
  assert.equal(exited.fields.expected, '1');
  // serials increase by one across everything this pool accepted
  const serials = events.map((e: { headers: { serial: number } }) => e.headers.serial);
  assert.deepEqual(serials, serials.map((_: number, i: number) => serials[0] + i));
});
