// A web page of another origin, in a real Chromium, against a loopback server without a password
// (the quickstart's setup): it may not open the live WebSocket, call XML-RPC, or fire 4.2.5's
// action links; the server's own page still works. And DNS rebinding: a Host that is not a name
// the server answers to gets 421.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { FIXTURES } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { launchChromium } from '../web/browser.js';
import { startWebDaemon, USER, PASSWORD, type WebDaemon } from '../web/web-daemon.js';

const PROGRAMS = `[program:web]\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\nstopsignal=KILL\n`;
const STOP_WEB = '<?xml version="1.0"?><methodCall><methodName>supervisor.stopProcess</methodName><params><param><value><string>web</string></value></param></params></methodCall>';

let open: WebDaemon;
let browser: Browser;
// the other origin: a plain page on another port of the same machine
let attacker: http.Server;
let attackerPort: number;

before(async () => {
  open = await startWebDaemon(PROGRAMS, { auth: false });
  browser = await launchChromium();
  attacker = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerPort = (attacker.address() as net.AddressInfo).port;
});

after(async () => {
  await browser?.close();
  attacker?.close();
  await open?.daemon.stop();
});

async function webInfo(daemon: WebDaemon): Promise<{ statename: string; pid: number }> {
  const { statename, pid } = (await rpcCall(daemon.socket, 'supervisor.getProcessInfo', ['web'])) as { statename: string; pid: number };
  return { statename, pid };
}

test('a page of another origin can neither open /ws or /events, nor call /RPC2, nor fire index.html?action=', async () => {
  const before = await webInfo(open);
  assert.equal(before.statename, 'RUNNING');
  const page = await browser.newPage();
  await page.goto(`http://localhost:${attackerPort}/`);
  const outcome = await page.evaluate(
    async ({ port, body }) => {
      const socket = (path: string): Promise<string> =>
        new Promise((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
      const live = await socket('/ws');
      const events = await socket('/events');
      // a "simple" request: no preflight, the browser sends it and hides the answer
      await fetch(`http://127.0.0.1:${port}/RPC2`, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body });
      const image = await new Promise<string>((resolve) => {
        const img = new Image();
        img.onload = () => resolve('loaded');
        img.onerror = () => resolve('answered');
        img.src = `http://127.0.0.1:${port}/index.html?action=stop&processname=web`;
      });
      return { live, events, image };
    },
    { port: open.port, body: STOP_WEB },
  );
  assert.deepEqual(outcome, { live: 'refused', events: 'refused', image: 'answered' });
  // every request above was answered before evaluate returned: had any acted, web would be stopping
  assert.deepEqual(await webInfo(open), before);
  await page.close();
});

test("the server's own page still drives it: live view, a button, and a typed 4.2.5 action link", async () => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${open.port}/`);
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.locator('tr.process-row[data-namespec="web:web"] button[data-action="stop"]').click();
  await page.locator('tr.process-row[data-namespec="web:web"] .state').filter({ hasText: 'STOPPED' }).waitFor();
  assert.equal((await webInfo(open)).statename, 'STOPPED');
  // typed in the address bar (or a bookmark): Sec-Fetch-Site: none
  const response = await page.goto(`http://127.0.0.1:${open.port}/index.html?action=start&processname=web`);
  assert.equal(response?.status(), 200);
  assert.equal((await webInfo(open)).statename, 'RUNNING');
  await page.close();
});

function request(port: number, host: string, path = '/index.html', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { Host: host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('DNS rebinding: without a password only IP addresses, localhost, the bind name and allowed_hosts are answered (421 otherwise)', async () => {
  const port = open.port;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) assert.equal((await request(port, host)).status, 200, host);
  const refused = await request(port, `evil.example:${port}`);
  assert.equal(refused.status, 421);
  assert.match(refused.body, /Host "evil\.example:\d+" is not a name this server answers to without a password; add it to allowed_hosts= in \[inet_http_server\]/);
  // the same for a WebSocket upgrade
  const upgrade = await request(port, `evil.example:${port}`, '/ws', { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' });
  assert.equal(upgrade.status, 421);

  const proxied = await startWebDaemon(PROGRAMS, { auth: false, inet: 'allowed_hosts = supervisor.internal, evil.example\n' });
  const withPassword = await startWebDaemon(PROGRAMS);
  try {
    assert.equal((await request(proxied.port, `supervisor.internal:${proxied.port}`)).status, 200);
    assert.equal((await request(proxied.port, `other.example:${proxied.port}`)).status, 421);
    // a password is what DNS rebinding cannot pass: no Host check then
    const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    assert.equal((await request(withPassword.port, `any.example:${withPassword.port}`, '/index.html', { Authorization: auth })).status, 200);
  } finally {
    await proxied.daemon.stop();
    await withPassword.daemon.stop();
  }
});
