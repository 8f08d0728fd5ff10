// The pure rules of request-origin.ts: Host names a server without a password answers, what counts
// as another origin, and which GETs may act.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { fromOtherOrigin, hostAllowed, hostName, userMadeNavigation } from '../../src/web/request-origin.js';

test('hostName reads name:port, [v6]:port and a bare name; a malformed value is null', () => {
  assert.equal(hostName('Example.COM:9001'), 'example.com');
  assert.equal(hostName('[::1]:9001'), '::1');
  assert.equal(hostName('localhost'), 'localhost');
  assert.equal(hostName(':9001'), null);
  assert.equal(hostName('[::1'), null);
});

test('hostAllowed: addresses, localhost, the bind name, this machine and allowed_hosts; * allows any', () => {
  for (const host of ['127.0.0.1:9001', '10.0.0.7', '[::1]:9001', 'localhost:9001', 'app.localhost', 'svc.internal:9001', `${os.hostname()}:9001`]) {
    assert.equal(hostAllowed(host, 'svc.internal', []), true, host);
  }
  assert.equal(hostAllowed('evil.example:9001', '0.0.0.0', []), false);
  assert.equal(hostAllowed('Evil.Example', '', ['evil.example']), true);
  assert.equal(hostAllowed('anything.example', '', 'any'), true);
  assert.equal(hostAllowed(undefined, '', []), true, 'HTTP/1.0 without Host');
  assert.equal(hostAllowed(':80', '', []), false);
});

test('fromOtherOrigin compares Origin with Host; no Origin is a non-browser client', () => {
  assert.equal(fromOtherOrigin({ host: '127.0.0.1:9001' }), false);
  assert.equal(fromOtherOrigin({ host: '127.0.0.1:9001', origin: 'http://127.0.0.1:9001' }), false);
  assert.equal(fromOtherOrigin({ host: '127.0.0.1:9001', origin: 'http://localhost:9001' }), true);
  assert.equal(fromOtherOrigin({ host: '127.0.0.1:9001', origin: 'http://127.0.0.1:8080' }), true);
  assert.equal(fromOtherOrigin({ host: '127.0.0.1:9001', origin: 'null' }), true);
});

test('userMadeNavigation: typed or same-origin only; cross-site, same-site and no metadata are refused', () => {
  assert.equal(userMadeNavigation({ host: 'h:1', 'sec-fetch-site': 'none' }), true);
  assert.equal(userMadeNavigation({ host: 'h:1', 'sec-fetch-site': 'same-origin' }), true);
  assert.equal(userMadeNavigation({ host: 'h:1', 'sec-fetch-site': 'cross-site' }), false);
  assert.equal(userMadeNavigation({ host: 'h:1', 'sec-fetch-site': 'same-site' }), false);
  assert.equal(userMadeNavigation({ host: 'h:1' }), false);
});
