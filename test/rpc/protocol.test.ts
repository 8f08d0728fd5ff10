// Raw HTTP/XML-RPC against ours and 4.2.5: the same bytes back for the same request, the same
// status codes for bad requests; hostile bodies get a 4xx or a fault and the daemon keeps serving.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { encodeMethodCall, type XmlRpcValue } from '../../src/xmlrpc/index.js';
import { postRpc, startParityPair, type ParityDaemon, type ParityPair } from '../helpers/parity.js';

const PROGRAMS = `
[program:echo]
command=/bin/sh -c "echo hello; exec sleep 1000"
startsecs=0
`;

function rawRequest(daemon: ParityDaemon, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(daemon.socket);
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
      // a status line is all these cases need
      if (answer.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.end(text);
  });
}

function get(daemon: ParityDaemon, path: string, until: string | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: daemon.socket, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
        if (until !== null && body.includes(until)) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the XML-RPC protocol, ours against 4.2.5', () => {
  let pair: ParityPair;
  before(async () => {
    pair = await startParityPair(PROGRAMS);
  });
  after(async () => {
    await pair?.stop();
  });

  const call = (method: string, params: XmlRpcValue[] = []): string => encodeMethodCall(method, params);

  async function sameBody(body: string, normalize: (text: string, d: ParityDaemon) => string = (t) => t): Promise<string> {
    const [ours, reference] = await Promise.all(pair.both.map((d) => postRpc(d, body)));
    assert.equal(ours!.status, reference!.status);
    assert.equal(normalize(ours!.body, pair.ours), normalize(reference!.body, pair.reference));
    return ours!.body;
  }

  test('responses and faults are byte-identical', async () => {
    await sameBody(call('supervisor.getState'));
    await sameBody(call('supervisor.getAPIVersion'));
    await sameBody(call('supervisor.getSupervisorVersion'));
    await sameBody(call('supervisor.getIdentification'));
    await sameBody(call('supervisor.startProcess', ['nosuch']));
    await sameBody(call('supervisor.startProcess', ['echo']));
    await sameBody(call('supervisor.stopProcess', ['nosuch:*']));
    await sameBody(call('supervisor.signalProcess', ['echo', 'BOGUS']));
    await sameBody(call('supervisor.readProcessStdoutLog', ['echo', -6, 0]));
    await sameBody(call('supervisor.readProcessStdoutLog', ['echo', -6, 3]));
    await sameBody(call('supervisor.tailProcessStdoutLog', ['echo', 0, 3]));
    await sameBody(call('supervisor.tailProcessStdoutLog', ['echo', 2, 100]));
    await sameBody(call('supervisor.tailProcessStdoutLog', ['echo', 100, 5]));
    await sameBody(call('supervisor.addProcessGroup', ['echo']));
    await sameBody(call('supervisor.removeProcessGroup', ['echo']));
    await sameBody(call('supervisor.reloadConfig'));
    await sameBody(call('supervisor.sendProcessStdin', ['echo', 5]));
    await sameBody(call('supervisor.sendProcessStdin', ['echo', 'x\n']));
    await sameBody(call('system.listMethods'));
    await sameBody(call('system.methodHelp', ['supervisor.getPID']));
    await sameBody(call('system.methodSignature', ['supervisor.tailProcessLog']));
    await sameBody(call('system.methodSignature', ['nosuch.method']));
    await sameBody(call('system.multicall', [[{ methodName: 'supervisor.getAPIVersion' }, { methodName: 'supervisor.stopProcess', params: ['nosuch'] }, { params: [] }, { methodName: 'system.multicall', params: [[]] }]]));
    await sameBody(call('supervisor.getAllConfigInfo'));
    await sameBody(call('supervisor.getProcessInfo', ['echo']), (t, d) =>
      t.replaceAll(d.dir, '<DIR>').replace(/---supervisor-[\w]+\.log/g, '<AUTO>').replace(/<int>\d{5,}<\/int>/g, '<int>N</int>')
        // pids can be short once the kernel's pid counter wraps
        .replace(/(<name>pid<\/name>\n<value><int>)\d+/, '$1N')
        .replace(/pid \d+/g, 'pid N')
        // the two daemons started the program a moment apart: uptimes may differ by a second
        .replace(/uptime \d+:\d\d:\d\d/g, 'uptime U'),
    );
  });

  test("4.2.5's request quirks: unknown method, bad arity, <boolean>true, missing <params>", async () => {
    await sameBody(call('supervisor.nosuch'));
    await sameBody(call('nosuch.getPID'));
    await sameBody(call('supervisor._update'));
    await sameBody(call('a.b.c'));
    await sameBody(call('supervisor.getPID', [1]));
    await sameBody(call('supervisor.startProcess'));
    await sameBody("<?xml version='1.0'?><methodCall><methodName>supervisor.getAPIVersion</methodName></methodCall>");
    await sameBody(
      "<?xml version='1.0'?><methodCall><methodName>supervisor.stopProcess</methodName><params><param><value>nosuch</value></param><param><value><boolean>true</boolean></value></param></params></methodCall>",
    );
  });

  test('bad requests get the same status codes', async () => {
    for (const body of ['not xml', '<methodCall><params/></methodCall>', '<methodCall><methodName>x.y</methodName><params><param><value><int>nope</int></value></param></params></methodCall>']) {
      const [ours, reference] = await Promise.all(pair.both.map((d) => postRpc(d, body)));
      assert.equal(ours!.status, 400, body);
      assert.equal(reference!.status, 400, body);
      assert.equal(ours!.body, reference!.body);
    }
    for (const [request, expected] of [
      ['GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['POST /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 411],
      ['GET /logtail/nosuch HTTP/1.1\r\nHost: x\r\n\r\n', 404],
      ['POST /logtail/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 400],
    ] as const) {
      const [ours, reference] = await Promise.all(pair.both.map((d) => rawRequest(d, request)));
      assert.match(ours!, new RegExp(`^HTTP/1\\.[01] ${expected} `), request);
      assert.match(reference!, new RegExp(`^HTTP/1\\.[01] ${expected} `), request);
    }
  });

  test('/logtail streams the log from its last bytes; /mainlogtail the main log', async () => {
    const [ours, reference] = await Promise.all(pair.both.map((d) => get(d, '/logtail/echo', 'hello\n')));
    assert.deepEqual(ours, reference);
    const main = await get(pair.ours, '/mainlogtail', 'supervisord started');
    assert.equal(main.status, 200);
  });
});

describe('hostile input against our daemon', () => {
  let pair: ParityPair;
  before(async () => {
    pair = await startParityPair(PROGRAMS);
  });
  after(async () => {
    await pair?.stop();
  });

  async function stillServes(): Promise<void> {
    const answer = await postRpc(pair.ours, encodeMethodCall('supervisor.getState'));
    assert.match(answer.body, /<string>RUNNING<\/string>/);
  }

  test('an entity bomb is refused with 400 without expanding anything', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><methodCall><methodName>supervisor.getPID</methodName><params><param><value>&j;</value></param></params></methodCall>`;
    assert.equal((await postRpc(pair.ours, bomb)).status, 400);
    await stillServes();
  });

  test('a body over the limit is refused with 413', async () => {
    const huge = encodeMethodCall('supervisor.sendProcessStdin', ['echo', 'x'.repeat(5 * 1024 * 1024)]);
    const answer = await postRpc(pair.ours, huge).catch((err: NodeJS.ErrnoException) => ({ status: err.code === 'EPIPE' || err.code === 'ECONNRESET' ? 413 : 0, body: '' }));
    assert.equal(answer.status, 413);
    await stillServes();
  });

  test('wrong parameter types are faults that name the parameter', async () => {
    const answer = await postRpc(pair.ours, encodeMethodCall('supervisor.startProcess', [[1, 2]]));
    assert.match(answer.body, /<int>2<\/int>[\s\S]*INCORRECT_PARAMETERS: name must be a string, got an array/);
    const offset = await postRpc(pair.ours, encodeMethodCall('supervisor.readProcessStdoutLog', ['echo', 'abc', 0]));
    assert.match(offset.body, /INCORRECT_PARAMETERS: offset must be an integer/);
    await stillServes();
  });

  test('deep nesting, broken UTF-8 and a garbage request line keep the daemon up', async () => {
    const deep = `<methodCall><methodName>system.multicall</methodName><params><param><value>${'<array><data><value>'.repeat(2000)}${'</value></data></array>'.repeat(2000)}</value></param></params></methodCall>`;
    assert.equal((await postRpc(pair.ours, deep)).status, 400);
    assert.equal((await postRpc(pair.ours, '\u0000\u0001<methodCall>')).status, 400);
    assert.match(await rawRequest(pair.ours, 'BLAH\r\n\r\n'), /^HTTP\/1\.1 400/);
    await stillServes();
  });
});
