// Properties of the HTTP layer's own parsing, in process (the real-socket properties are in
// ./http.ts): the Authorization header and the request target. Any header gives one of the three
// answers and never throws; only the exact credentials pass, plain or {SHA}; any target is read as
// a path or refused, never thrown on, and its path never keeps a '..' segment.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { checkAuthorization, type Credentials } from '../../../src/rpc/auth.js';
import { requestUrl } from '../../../src/web/request-url.js';
import { fuzzProperty, inProcessSuite } from './suite.js';

const RUNS = 10_000;
const text = fc.string({ unit: 'binary', maxLength: 24 });
const user = text.filter((u) => !u.includes(':'));

/** Authorization headers: garbage, near-misses and well-formed Basic ones with odd spacing and case. */
const header = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc
    .tuple(fc.constantFrom('Basic', 'basic', 'BASIC', 'Bearer', 'Digest', ''), fc.constantFrom(' ', '  ', '\t', ''), fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '\t'))
    .map(([scheme, gap, token, tail]) => `${scheme}${gap}${token}${tail}`),
  fc.tuple(user, text).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`),
);

function basic(u: string, p: string): string {
  return `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`;
}

/** Targets: paths with traversal attempts, encodings, odd characters, absolute forms and garbage. */
const target = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.constantFrom('/', '..', '.', '%2e', '%2E%2e', '%2f', 'logtail', 'etc', 'passwd', '//', ':', '?', '#', '\\', 'a b', 'é', '%00', '%'), { maxLength: 10 }).map((parts) => '/' + parts.join('')),
  fc.webUrl({ withQueryParameters: true }),
);

export const httpParsingSuite = inProcessSuite('http-parsing', () => [
  fuzzProperty(
    'checkAuthorization: any header gives ok, unauthorized or bad-request, never a throw',
    RUNS,
    fc.property(header, user, text, (h, u, p) => {
      const outcome = checkAuthorization(h, { username: u, password: p });
      assert.ok(['ok', 'unauthorized', 'bad-request'].includes(outcome), outcome);
    }),
  ),
  fuzzProperty(
    'checkAuthorization: only the exact user and password pass, plain or {SHA}',
    RUNS,
    fc.property(user, text, user, text, fc.boolean(), (u, p, triedUser, triedPassword, hashed) => {
      const credentials: Credentials = { username: u, password: hashed ? `{SHA}${createHash('sha1').update(p, 'utf8').digest('hex')}` : p };
      // a lone surrogate does not survive UTF-8: compare what the header can carry
      const sent = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');
      const expected = sent(triedUser) === sent(u) && sent(triedPassword) === sent(p) ? 'ok' : 'unauthorized';
      assert.equal(checkAuthorization(basic(triedUser, triedPassword), credentials), expected);
      assert.equal(checkAuthorization(basic(u, p), credentials), 'ok');
    }),
  ),
  fuzzProperty(
    'requestUrl: any target is a path or refused, never a throw, and no ".." segment survives',
    RUNS,
    fc.property(target, (t) => {
      const url = requestUrl(t);
      if (url === null) return;
      assert.ok(url.pathname.startsWith('/'), url.pathname);
      assert.ok(!url.pathname.split('/').includes('..'), `${t} -> ${url.pathname}`);
      if (t.startsWith('/')) assert.equal(url.host, 'localhost', 'a path never names another host');
    }),
  ),
]);
