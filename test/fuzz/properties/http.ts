// Properties of the HTTP layer of a real daemon (src/rpc servers, the web routes), driven over real
// TCP sockets with generated requests: odd methods, targets (traversal attempts included), headers,
// Authorization values, bodies (oversize ones too), slow writes and truncated requests. Every
// well-formed request gets a proper status, nothing outside the configured logs is ever served,
// nothing hangs, and the daemon still answers supervisor.getState after each case.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { encodeMethodCall, type XmlRpcStruct, type XmlRpcValue } from '../../../src/xmlrpc/index.js';
import { FIXTURES, freePort, startDaemon, waitFor, writeConfig, type RunningDaemon } from '../../helpers/daemon.js';
import { rpcCall } from '../../helpers/rpc-client.js';
import { fuzzProperty, scratchDir, type FuzzProperty, type FuzzSuite } from './suite.js';

const USER = 'admin';
const PASSWORD = 's3cret';
export const GOOD_AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
/** The daemon's own request body limit (DEFAULT_MAX_BODY_BYTES). */
const MAX_BODY = 4 * 1024 * 1024;
/** A case that has neither an answer nor a closed connection after this long is a hang. */
const HANG_MS = 10_000;

// --- generated requests ------------------------------------------------------------------------

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'M-SEARCH', 'X'];

// paths of every route, and attempts to get out of them: dot segments raw, %-encoded, doubly
// encoded, with backslashes and NULs, in the namespec, the channel, the query
const TRAVERSAL_PIECES = ['..', '%2e%2e', '%2E%2E', '.%2e', '%252e%252e', '..%2f', '..%5c', '..\\', '%2f', '/', '//', 'etc', 'passwd', '%00', 'web', 'web:web', '*', 'stdout', 'stderr', '~root', '%c0%ae%c0%ae'];

const targetPath = fc.oneof(
  { arbitrary: fc.constantFrom('/', '/RPC2', '/RPC2/', '/RPC2x', '/logtail/web', '/logtail/web/stderr', '/logtail/web:web/stdout', '/logtail/nosuch', '/logtail/', '/logtail', '/mainlogtail', '/index.html', '/status.html', '/tail.html?processname=web', '/ok.html', '/download?processname=web&channel=stderr', '/assets/app.css', '/assets/../package.json', '/stylesheets/x.css', '/images/x.png', '/events', '/events?events=PROCESS_STATE', '/ws', '/metrics', '/metrics?x=1', '/nosuch', '/index.html?action=refresh', '/index.html?action=nosuch&processname=web', '/index.html?action=clearlog&processname=web', '/index.html?action=start&processname=web'), weight: 6 },
  { arbitrary: fc.tuple(fc.constantFrom('/logtail/', '/download?processname=', '/assets/', '/tail.html?processname=', '/logtail/web/'), fc.array(fc.constantFrom(...TRAVERSAL_PIECES), { minLength: 1, maxLength: 6 })).map(([base, parts]) => base + parts.join('/')), weight: 4 },
  { arbitrary: fc.constantFrom('//', '//a:b', '/\\', '*', 'http://localhost/RPC2', 'http://[::1/', '/%', '/%zz', '/%ff%fe', `/${'a'.repeat(9000)}`, '/é', '/?'), weight: 2 },
  { arbitrary: fc.string({ unit: fc.constantFrom('/', 'a', '.', '%', '2', 'e', 'f', '?', '&', '=', '#', ':', '@', '[', ']', '!', '$', "'", '(', ')', '+', ',', ';', '~'), maxLength: 30 }).map((s) => `/${s}`), weight: 2 },
);

// the methods an XML-RPC body may call: nothing that stops the daemon
const SAFE_CALLS: Array<[string, XmlRpcValue[]]> = [
  ['supervisor.getState', []],
  ['supervisor.getAllProcessInfo', []],
  ['supervisor.getProcessInfo', ['web']],
  ['supervisor.getProcessInfo', ['../../etc/passwd']],
  ['supervisor.tailProcessStdoutLog', ['web', 0, 100]],
  ['supervisor.readLog', [-100, 0]],
  ['supervisor.nosuch', []],
  ['system.listMethods', []],
  ['system.methodHelp', ['supervisor.getState']],
  ['system.multicall', [[{ methodName: 'supervisor.getState' }, { methodName: 'system.multicall', params: [] } as XmlRpcStruct, 'x']]],
];

const rpcBody = fc.oneof(
  { arbitrary: fc.constantFrom(...SAFE_CALLS).map(([method, params]) => Buffer.from(encodeMethodCall(method, params))), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...SAFE_CALLS), fc.nat(), fc.constantFrom('<', '&', '&xxe;', '<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', '\u0000', '</value>', ']]>', '<![CDATA['))
      .map(([[method, params], at, junk]) => {
        const text = encodeMethodCall(method, params);
        const i = at % (text.length + 1);
        return Buffer.from(text.slice(0, i) + junk + text.slice(i));
      }),
    weight: 2,
  },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), weight: 1 },
);

/** A body, or 'oversize': one past the 4 MiB limit, made only when sent (a counterexample stays readable). */
type Body = Buffer | 'oversize';

const body: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: fc.constant(Buffer.alloc(0)), weight: 4 },
  { arbitrary: rpcBody, weight: 6 },
  { arbitrary: fc.constant('oversize' as const), weight: 1 },
);

function bodyBytes(b: Body): Buffer {
  return b === 'oversize' ? Buffer.alloc(MAX_BODY + 1024, 0x61) : b;
}

const authorization = fc.oneof(
  { arbitrary: fc.constant(GOOD_AUTH), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      null,
      '',
      'Basic',
      'Basic ',
      'basic ' + GOOD_AUTH.slice(6),
      `Basic  ${GOOD_AUTH.slice(6)}  `,
      'Bearer abc',
      'Basic !!!!',
      'Basic YWRtaW4=',
      `Basic ${Buffer.from('admin:wrong').toString('base64')}`,
      `Basic ${Buffer.from(`${USER}:${PASSWORD}:`).toString('base64')}`,
      `Basic ${Buffer.from(':').toString('base64')}`,
      `Basic ${'A'.repeat(8000)}`,
      'Basic YWRtaW46czNjcmV0', // no padding
      'Basic \u00e9\u00ff',
      `Basic ${GOOD_AUTH.slice(6)}, Basic x`,
    ),
    weight: 3,
  },
  { arbitrary: fc.uint8Array({ maxLength: 30 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`), weight: 1 },
);

const headerName = fc.oneof(fc.constantFrom('X-Fuzz', 'Accept', 'Cookie', 'Range', 'If-None-Match', 'Origin', 'Sec-WebSocket-Version', 'Expect', 'Content-Type', 'Transfer-Encoding', 'Upgrade', 'Connection'), fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/));
const headerValue = fc.oneof(
  fc.constantFrom('', 'x', 'text/xml', 'bytes=0-10', 'websocket', 'Upgrade', 'close', 'keep-alive', '100-continue', 'chunked', 'gzip, chunked', '13', 'a'.repeat(4000)),
  fc.string({ unit: fc.constantFrom('a', ' ', '\t', ',', ';', '=', '"', '\u00e9', '\u00ff'), maxLength: 40 }),
);

export interface GeneratedRequest {
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  body: Body;
  /** positions where the request bytes are written in separate writes (a slow client) */
  splits: number[];
}

const wellFormed: fc.Arbitrary<GeneratedRequest> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    target: targetPath,
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'),
    auth: authorization,
    host: fc.constantFrom<string | null>('127.0.0.1', 'localhost', null),
    extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
    body,
    upgrade: fc.constantFrom(null, null, null, 'websocket', 'h2c'),
    splits: fc.array(fc.nat(), { maxLength: 3 }),
  })
  .map(({ method, target, version, auth, host, extra, body: payload, upgrade, splits }) => {
    const headers: Array<[string, string]> = [];
    // HTTP/1.1 requires Host (RFC 9112 3.2: a request without it is answered 400 and closed)
    if (host !== null || version === 'HTTP/1.1') headers.push(['Host', host ?? 'localhost']);
    if (auth !== null) headers.push(['Authorization', auth]);
    // framing headers are ours to set: a well-formed request says exactly how long its body is
    for (const [k, v] of extra) if (!/^(content-length|transfer-encoding|expect|upgrade|connection)$/i.test(k)) headers.push([k, v]);
    if (upgrade !== null) headers.push(['Connection', 'Upgrade'], ['Upgrade', upgrade], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']);
    const length = bodyBytes(payload).length;
    if (length > 0 || method === 'POST') headers.push(['Content-Length', String(length)], ['Content-Type', 'text/xml']);
    return { method, target, version, headers, body: payload, splits };
  });

/** The bytes of a request as it goes on the wire (header values as latin1, as HTTP has them). */
export function requestBytes(r: GeneratedRequest): Buffer {
  const head = `${r.method} ${r.target} ${r.version}\r\n${r.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes(r.body)]);
}

type Damage = { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: string } | { kind: 'delete'; at: number; length: number };

const RAW_JUNK = ['\r\n', '\n', '\r', '\r\n\r\n', ' ', '\u0000', '\u007f', ':', 'Content-Length: 5\r\n', 'Content-Length: -1\r\n', 'Content-Length: 99999999999999\r\n', 'Transfer-Encoding: chunked\r\n', 'Transfer-Encoding: chunked\r\n\r\nzz\r\n', '0\r\n\r\n', 'HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 'Host: a\r\nHost: b\r\n', `X: ${'b'.repeat(70000)}\r\n`, '\u00ff'];

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.constantFrom(...RAW_JUNK), fc.string({ unit: 'binary-ascii', maxLength: 6 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
);

/** A request damaged in the bytes: cut short, junk inserted, pieces deleted. */
const damaged = fc.tuple(wellFormed, fc.array(damage, { minLength: 1, maxLength: 3 }));

function damagedBytes(request: GeneratedRequest, damages: Damage[]): Buffer {
  let bytes = requestBytes(request);
  for (const d of damages) {
    const at = d.at % (bytes.length + 1);
    if (d.kind === 'cut') bytes = bytes.subarray(0, at);
    else if (d.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(d.bytes, 'latin1'), bytes.subarray(at)]);
    else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + d.length)]);
  }
  return bytes;
}

// --- talking to the daemon ----------------------------------------------------------------------

export interface Exchange {
  /** the final status (after any 100 Continue); null when the connection closed first */
  status: number | null;
  headers: string;
  /** the body when it has a Content-Length; of a stream, what came with the headers */
  body: Buffer;
  /** our end's port: names the daemon's side of this connection in /proc/net/tcp */
  clientPort: number;
}

/**
 * Writes `bytes` (in separate writes at `splits`), half-closes when `end`, and reads until a final
 * status with its headers (and its body when it has a Content-Length) arrived, or the connection
 * closed. Rejects when neither happens within HANG_MS.
 */
export function exchange(port: number, bytes: Buffer, splits: number[], end: boolean): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    let clientPort = 0;
    const isHead = bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
    const finish = (result: Omit<Exchange, 'clientPort'> | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve({ ...result, clientPort });
    };
    const timer = setTimeout(() => finish(new Error(`no answer and no close within ${HANG_MS} ms`)), HANG_MS);
    const parse = (closed: boolean): void => {
      let rest = received;
      for (;;) {
        const headEnd = rest.indexOf('\r\n\r\n');
        if (headEnd < 0) break;
        const head = rest.subarray(0, headEnd).toString('latin1');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
        rest = rest.subarray(headEnd + 4);
        if (Number.isNaN(status)) return finish(new Error(`not an HTTP response: ${JSON.stringify(head.slice(0, 200))}`));
        if (status >= 100 && status < 200 && status !== 101) continue;
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        const streaming = length === null;
        // the answer to HEAD, a 204 and a 304 have no body whatever their Content-Length says
        // a stream (a log tail) may send nothing for a long time: its headers are the answer
        if (status === 101 || status === 204 || status === 304 || isHead || streaming || rest.length >= Number(length[1])) {
          return finish({ status, headers: head, body: length === null ? rest : rest.subarray(0, Number(length[1])) });
        }
        if (closed) return finish({ status, headers: head, body: rest });
        return;
      }
      if (closed) finish({ status: null, headers: '', body: Buffer.alloc(0) });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      parse(false);
    });
    socket.on('close', () => parse(true));
    // a reset while we still write (a refused oversize body) is a close like any other
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      clientPort = socket.localPort ?? 0;
      const cuts = [...new Set(splits.map((s) => (bytes.length === 0 ? 0 : s % bytes.length)))].sort((a, b) => a - b);
      let start = 0;
      for (const cut of [...cuts, bytes.length]) {
        if (cut > start) socket.write(bytes.subarray(start, cut));
        start = Math.max(start, cut);
      }
      if (end) socket.end();
    });
  });
}

// a hang costs HANG_MS per case: shrinking one may not take all day (the failure is still reported)
const SHRINK_LIMIT = { interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true };

/** Cases per HTTP property in npm test (about 15 ms each here: a real request, its checks, a getState). */
const HTTP_TEST_RUNS = 600;

/** How long the daemon may take to close a connection after its client closed it. */
const CONNECTION_CLOSE_MS = 5_000;

/**
 * The statuses a well-formed request may get (405: a WebSocket upgrade with another method than GET;
 * 403: a request that acts, or a WebSocket, whose Origin is not the server's own).
 */
const PROPER = new Set([101, 200, 301, 400, 401, 403, 404, 405, 411, 413, 431]);

/** The logtail namespecs that name a configured process (the only files /logtail may stream). */
const KNOWN_TAILS = /^\/logtail\/(web|web:web)(\/(stdout|stderr)?)?([/?].*)?$/;

function decoded(target: string): string | null {
  try {
    return decodeURIComponent(target);
  } catch {
    return null;
  }
}

/** Nothing outside the daemon's own logs and assets: no passwd, no package.json, no source. */
function assertNoLeak(answer: Exchange): void {
  const text = answer.body.toString('latin1');
  assert.ok(!text.includes('root:x:0:0'), 'served /etc/passwd');
  assert.ok(!text.includes('"name": "supervisor-ts"'), 'served package.json');
}

/** How long SIGTERM may take to stop the daemon (stopping `web` takes milliseconds: stopsignal=KILL). */
const STOP_MS = 20_000;

/** SIGTERM, then the exit within `ms`; otherwise SIGKILL and an error saying what was still open. */
export async function stopWithin(daemon: RunningDaemon, ms: number): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) throw new Error(`the daemon had exited:\n${daemon.output()}`);
  daemon.child.kill('SIGTERM');
  try {
    await waitFor(() => daemon.child.exitCode !== null || daemon.child.signalCode !== null, ms, 'the daemon to exit after SIGTERM');
  } catch (err) {
    const open = fs.readdirSync(`/proc/${daemon.child.pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${daemon.child.pid}/fd/${fd}`)).filter((l) => l.startsWith('socket:'));
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    throw new Error(`${(err as Error).message}; sockets still open: ${open.length}\n${daemon.mainLog().split('\n').slice(-5).join('\n')}`);
  }
}

export interface DaemonUnderTest {
  daemon: RunningDaemon;
  port: number;
  socket: string;
  dir: string;
  /** how much of the main log has been checked */
  logChecked: number;
}

export async function startDaemonUnderTest(): Promise<DaemonUnderTest> {
  const dir = scratchDir('sv-fuzz-http-');
  const port = await freePort();
  const socket = path.join(dir, 'supervisor.sock');
  const conf = writeConfig(
    dir,
    `[inet_http_server]\nport=127.0.0.1:${port}\nusername=${USER}\npassword=${PASSWORD}\n` +
      `[unix_http_server]\nfile=${socket}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[program:web]\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\nstopsignal=KILL\nstdout_logfile=${dir}/web.log\nstderr_logfile=${dir}/web.err\n`,
  );
  fs.writeFileSync(path.join(dir, 'web.log'), 'a line of the web log\n');
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  await daemon.waitForLog(/supervisord started with pid/);
  return { daemon, port, socket, dir, logChecked: 0 };
}

/**
 * The daemon's TCP connections on its inet port that are still open (TIME_WAIT is the kernel's,
 * not the daemon's): once a client has closed, each must go away.
 */
export function openConnections(port: number, clientPort?: number): string[] {
  const hex = (n: number) => `:${n.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 3 && f[1]!.endsWith(hex(port)) && (clientPort === undefined || f[2]!.endsWith(hex(clientPort))) && f[3] !== '0A' && f[3] !== '06')
    .map((f) => `${f[1]} -> ${f[2]} state ${f[3]}, ${parseInt(f[4]!.split(':')[1]!, 16)} bytes unread`);
}

/** Starts a case: what the main log says from here on is this case's. */
function markLog(d: DaemonUnderTest): void {
  d.logChecked = fs.statSync(path.join(d.dir, 'supervisord.log')).size;
}

/**
 * After a case: the daemon closed its side of the case's connection (one left open would hold up
 * shutdown), is alive, answers XML-RPC on its other server, and logged no unexpected exception.
 */
async function assertStillServing(d: DaemonUnderTest, answer: Exchange): Promise<void> {
  try {
    await waitFor(() => openConnections(d.port, answer.clientPort).length === 0, CONNECTION_CLOSE_MS, 'the daemon to close');
  } catch {
    assert.fail(`the daemon kept its side of the connection open after the client closed: ${openConnections(d.port, answer.clientPort).join(', ')}`);
  }
  assert.equal(d.daemon.child.exitCode, null, `the daemon exited:\n${d.daemon.output()}`);
  const state = (await rpcCall(d.socket, 'supervisor.getState')) as XmlRpcStruct;
  assert.equal(state.statename, 'RUNNING');
  const log = fs.readFileSync(path.join(d.dir, 'supervisord.log'));
  const fresh = log.subarray(d.logChecked).toString('utf8');
  d.logChecked = log.length;
  assert.deepEqual(unexpectedErrors(fresh), []);
}

function httpProperties(d: DaemonUnderTest): FuzzProperty[] {
  return [
    fuzzProperty(
      'every well-formed request gets a proper status, nothing outside the logs is served, getState answers after',
      HTTP_TEST_RUNS,
      fc.asyncProperty(wellFormed, async (request) => {
        markLog(d);
        const answer = await exchange(d.port, requestBytes(request), request.splits, false);
        const where = `${request.method} ${request.target}`;
        // Known limit, left to the request-size work of issue 10: an answer given before a body
        // past the 4 MiB limit was read, on a connection Node then closes (413, HTTP/1.0), can be
        // lost to the TCP reset that closing with unread data causes (Node does no lingering close)
        if (answer.status === null && request.body === 'oversize') return assertStillServing(d, answer);
        assert.ok(answer.status !== null, `${where}: closed without an answer`);
        assert.ok(PROPER.has(answer.status), `${where}: status ${answer.status}\n${answer.headers}`);
        assertNoLeak(answer);
        const path = decoded(request.target);
        if (answer.status === 200 && path?.startsWith('/logtail') && request.method === 'GET') {
          assert.match(path, KNOWN_TAILS, `${where}: a log tail of something that is not a process`);
        }
        await assertStillServing(d, answer);
      }),
      SHRINK_LIMIT,
    ),
    fuzzProperty(
      'damaged and truncated requests get an answer or a closed connection, never a hang; getState answers after',
      HTTP_TEST_RUNS,
      fc.asyncProperty(damaged, async ([request, damages]) => {
        markLog(d);
        const answer = await exchange(d.port, damagedBytes(request, damages), request.splits, true);
        if (answer.status !== null) assert.ok(answer.status < 500 || answer.status === 505, `status ${answer.status}\n${answer.headers}`);
        assertNoLeak(answer);
        await assertStillServing(d, answer);
      }),
      SHRINK_LIMIT,
    ),
  ];
}

export const httpSuite: FuzzSuite = {
  name: 'http',
  open: async () => {
    const d = await startDaemonUnderTest();
    return {
      properties: httpProperties(d),
      // SIGTERM must still stop the daemon after all that: a connection left open by a hostile
      // client must not hold up the shutdown
      close: async () => {
        try {
          await stopWithin(d.daemon, STOP_MS);
        } finally {
          fs.rmSync(d.dir, { recursive: true, force: true });
        }
      },
    };
  },
};

/** Lines of the daemon's main log that say a request reached an unexpected exception. */
export function unexpectedErrors(mainLog: string): string[] {
  return mainLog.split('\n').filter((line) => /raised an unexpected exception|web page .* failed|web socket upgrade failed/.test(line));
}
