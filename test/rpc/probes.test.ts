// The HTTP probes (/livez, /readyz) through a program's life, over the unauthenticated probe port,
// an inet server without a password and a unix socket with one: every transport gives the same
// verdict, the socket only with credentials, and the probe port serves nothing but the probes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/loader.js';
import { childPids, freePort, makeTempDir, startDaemon, writeConfig } from '../helpers/daemon.js';
import { OUR_SUPERVISORCTL } from '../helpers/parity.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

const RPC = '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n';
const CREDENTIALS = 'Basic ' + Buffer.from('probe-user:s3cret').toString('base64');

type Target = { port: number } | { socketPath: string };
interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(target: Target, urlPath: string, options: { method?: string; authorization?: string; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const where = 'port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath };
    const headers: Record<string, string> = options.authorization ? { Authorization: options.authorization } : {};
    // a new connection per probe, as a kubelet makes
    const req = http.request({ ...where, path: urlPath, method: options.method ?? 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

interface Servers {
  probePort: number;
  inetPort: number;
  socket: string;
}

/** The answer of every transport to GET urlPath, the unix socket's with credentials. */
async function everywhere(servers: Servers, urlPath: string): Promise<Answer[]> {
  return Promise.all([
    request({ port: servers.probePort }, urlPath),
    request({ port: servers.inetPort }, urlPath),
    request({ socketPath: servers.socket }, urlPath, { authorization: CREDENTIALS }),
  ]);
}

/**
 * Waits until every transport answers urlPath with this status and line (a state seen by one and
 * already left when another is asked is simply asked again), then checks HEAD and the refusal of
 * the socket without credentials.
 */
async function expectProbe(servers: Servers, urlPath: string, status: number, line: string): Promise<void> {
  let last: Answer[] = [];
  const deadline = Date.now() + 30_000;
  for (;;) {
    last = await everywhere(servers, urlPath);
    if (last.every((a) => a.status === status && a.body === `${line}\n`)) break;
    if (Date.now() > deadline) assert.fail(`${urlPath}: wanted ${status} ${line} on every transport; last: ${JSON.stringify(last.map((a) => [a.status, a.body]))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const answer = last[0]!;
  assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(answer.headers['cache-control'], 'no-store');
  const head = await request({ port: servers.probePort }, urlPath, { method: 'HEAD' });
  assert.equal(head.body, '');
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(`${line}\n`)));
  const anonymous = await request({ socketPath: servers.socket }, urlPath);
  assert.equal(anonymous.status, 401, 'the unix socket has a password: no probe without it');
}

test('/livez and /readyz through STARTING, RUNNING, BACKOFF, FATAL and a failed health check, alike on the probe port, an inet server and an authenticated unix socket', async (t) => {
  const dir = makeTempDir('sv-probes-');
  const servers: Servers = { probePort: await freePort(), inetPort: await freePort(), socket: path.join(dir, 'supervisor.sock') };
  const crash = path.join(dir, 'crash');
  const healthy = path.join(dir, 'healthy');
  const conf = writeConfig(
    dir,
    `[unix_http_server]\nfile=${servers.socket}\nusername=probe-user\npassword=s3cret\n` +
      `[inet_http_server]\nport=127.0.0.1:${servers.inetPort}\n` +
      `[probe_http_server]\nport=127.0.0.1:${servers.probePort}\n${RPC}` +
      // runs until the crash file appears, then exits 1 at once on every start: BACKOFF, FATAL;
      // a long startsecs leaves time to see STARTING on a loaded machine
      `[program:app]\ncommand=/bin/sh -c 'while [ ! -e ${crash} ]; do sleep 0.1; done; exit 1'\nstartsecs=5\nstartretries=2\nautorestart=true\n` +
      // healthy while the healthy file exists; deaf to SIGTERM, so a failed check leaves it STOPPING
      `[program:web]\ncommand=/bin/sh -c "trap '' TERM; exec sleep 1000"\nstartsecs=0\nstopwaitsecs=60\n` +
      `healthcheck_command=test -e ${healthy}\nhealthcheck_interval=0.2\nhealthcheck_retries=1\nhealthcheck_start_period=600\n` +
      `[group:pair]\nprograms=app,web\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  t.after(async () => {
    // web is deaf to SIGTERM: ended here, so that the daemon stops at once (also after a failure)
    const children = childPids(daemon.child.pid!);
    for (const [, pid] of daemon.mainLog().matchAll(/spawned: 'web' with pid (\d+)/g)) {
      if (children.includes(Number(pid))) process.kill(Number(pid), 'SIGKILL');
    }
    await daemon.stop();
  });
  await daemon.waitForLog(/supervisord started with pid/);
  assert.match(daemon.mainLog(), /INFO Server 'probe_http_server' on 127\.0\.0\.1:\d+ answers \/livez and \/readyz without authentication, and nothing else/);

  await expectProbe(servers, '/livez', 200, 'supervisord is up');
  await expectProbe(servers, '/readyz/pair:app', 503, 'pair:app is STARTING');
  // RUNNING, but its health check has not passed yet (failures in the start period do not count)
  await expectProbe(servers, '/readyz/pair:web', 503, 'pair:web is RUNNING but its health check has not passed yet');
  // status --probe applies the same rule: our getProcessInfo carries the verdict as `health`
  const probeWeb = (): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [OUR_SUPERVISORCTL, '-s', `http://127.0.0.1:${servers.inetPort}`, 'status', '--probe', 'pair:web'], { encoding: 'utf8' });
  const unready = probeWeb();
  assert.equal(unready.status, 3, `${unready.stdout}${unready.stderr}`);
  await expectProbe(servers, '/readyz/pair:app', 200, 'pair:app is RUNNING');
  await expectProbe(servers, '/readyz/pair:*', 503, 'pair:web is RUNNING but its health check has not passed yet');
  fs.writeFileSync(healthy, '');
  await expectProbe(servers, '/readyz/pair:web', 200, 'pair:web is RUNNING and healthy');
  const ready = probeWeb();
  assert.equal(ready.status, 0, `${ready.stdout}${ready.stderr}`);
  await expectProbe(servers, '/readyz/pair', 200, 'all 2 processes ready');
  await expectProbe(servers, '/readyz/pair:app,pair:web', 200, 'all 2 processes ready');
  await expectProbe(servers, '/readyz', 200, 'all 2 processes ready');

  // the check fails once (retries=1): unhealthy, so web is stopped to be restarted; it ignores SIGTERM
  fs.rmSync(healthy);
  await expectProbe(servers, '/readyz/pair:web', 503, 'pair:web is STOPPING after failing its health check');

  fs.writeFileSync(crash, '');
  await expectProbe(servers, '/readyz/pair:app', 503, 'pair:app is BACKOFF');
  await expectProbe(servers, '/readyz/pair:app', 503, 'pair:app is FATAL');
  await expectProbe(servers, '/readyz/pair', 503, 'pair:app is FATAL (and 1 more not ready)');
  // liveness is the daemon's, not the programs'
  await expectProbe(servers, '/livez', 200, 'supervisord is up');

  // unknown names: 404 and a line naming what was not found
  await expectProbe(servers, '/readyz/nosuch', 404, 'no such group: nosuch');
  await expectProbe(servers, '/readyz/nosuch:*', 404, 'no such group: nosuch');
  await expectProbe(servers, '/readyz/pair:nosuch', 404, 'no such process: pair:nosuch');
  await expectProbe(servers, '/readyz/pair:app,nosuch', 404, 'no such group: nosuch');
  await expectProbe(servers, '/readyz/pair,', 404, 'an empty name in "pair,"');

  // a probe is read-only: other methods are refused, with Allow
  const post = await request({ port: servers.probePort }, '/readyz/pair', { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  // the probe port opens nothing else: no RPC, no log tail, no web page, no metrics
  for (const other of ['/RPC2', '/logtail/pair:app', '/mainlogtail', '/', '/metrics', '/livez/x', '/readyzz']) {
    const answer = await request({ port: servers.probePort }, other, { method: other === '/RPC2' ? 'POST' : 'GET', body: other === '/RPC2' ? '<methodCall><methodName>supervisor.getPID</methodName></methodCall>' : undefined });
    assert.equal(answer.status, 404, `${other} on the probe port`);
    assert.equal(answer.body, 'not a probe path: this server answers only /livez and /readyz[/name,...]\n');
  }

});

test('[probe_http_server] loads under 4.2.5, which ignores it; credentials in it are refused, since it never asks for them', () => {
  const dir = makeTempDir('sv-probes-');
  const conf = writeConfig(dir, `[probe_http_server]\nport=*:9002\n${RPC}[program:app]\ncommand=/bin/true\n`);
  const ours = loadConfig(conf);
  assert.deepEqual(ours.server.probe_http_server, [{ section: 'probe_http_server', host: '', port: 9002 }]);
  const reference = spawnSync('/usr/bin/python3', [SV_DUMP_CONFIG, conf], { encoding: 'utf8' });
  assert.equal(reference.status, 0, reference.stderr);
  assert.equal(JSON.parse(reference.stdout).groups[0].name, 'app');

  const withPassword = writeConfig(dir, `[probe_http_server]\nport=127.0.0.1:9002\nusername=u\npassword=p\n`);
  assert.throws(() => loadConfig(withPassword), /section \[probe_http_server\] sets username and password, but it answers the probes without credentials, by design/);
  const noPort = writeConfig(dir, `[probe_http_server]\n`);
  assert.throws(() => loadConfig(noPort), /section \[probe_http_server\] has no port value/);
  const badPort = writeConfig(dir, `[probe_http_server]\nport=127.0.0.1:http\n`);
  assert.throws(() => loadConfig(badPort), /section \[probe_http_server\] port: /);
});
