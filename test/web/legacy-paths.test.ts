// 4.2.5's page paths keep answering for bookmarks (rpc.md 10): ok.html, tail.html, the stylesheet
// and images, and index.html?action= links, which act and redirect with 4.2.5's message when the
// browser says the user opened them (a bookmark: Sec-Fetch-Site: none), and are refused otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIXTURES } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { AUTH_HEADER, startWebDaemon } from './web-daemon.js';

test("4.2.5's page paths map onto ours, behind the same auth", async () => {
  const { daemon, port, socket } = await startWebDaemon(`[program:web]\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\nstopsignal=KILL\n`);
  const get = (path: string, authorization = AUTH_HEADER, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: authorization, ...headers }, redirect: 'manual' });
  try {
    const ok = await get('/ok.html');
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'OK');
    for (const [path, type, text] of [
      ['/', 'text/html', 'Supervisor status'],
      ['/index.html', 'text/html', 'Supervisor status'],
      ['/tail.html?processname=web', 'text/html', 'id="log"'],
      ['/stylesheets/supervisor.css', 'text/css', '.state'],
      ['/images/icon.png', 'image/svg+xml', '<svg'],
    ] as const) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(type.replace('+', '\\+')), path);
      assert.ok((await response.text()).includes(text), path);
    }
    assert.equal((await get('/ok.html', '')).status, 401);
    assert.equal((await get('/assets/../package.json')).status, 404);

    // a script, or an old browser: nothing shows where the request came from
    const unsure = await get('/index.html?processname=web&action=stop');
    assert.equal(unsure.status, 403);
    assert.match(await unsure.text(), /Not performed: this action link was not opened from this server's page or typed in the browser/);
    assert.equal(((await rpcCall(socket, 'supervisor.getProcessInfo', ['web'])) as { statename: string }).statename, 'RUNNING');
    const stop = await get('/index.html?processname=web&action=stop', AUTH_HEADER, { 'Sec-Fetch-Site': 'none' });
    assert.equal(stop.status, 301);
    assert.equal(stop.headers.get('location'), '/?message=Process%20web%20stopped');
    assert.equal(((await rpcCall(socket, 'supervisor.getProcessInfo', ['web'])) as { statename: string }).statename, 'STOPPED');

    const download = await get('/download?processname=web&channel=stdout');
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="web-stdout.log"/);
  } finally {
    await daemon.stop();
  }
});
