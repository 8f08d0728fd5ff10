// webhook against a local HTTP server: a crash loop gives one FATAL alert with its details (JSON
// and Slack templates); batching, the per-program rate limit, retry after a 500 and the HMAC; every
// body against the payload table and example of docs/plugins.md.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import path from 'node:path';
import { FIXTURES, makeTempDir, REPO_ROOT, waitFor, writeConfig } from '../helpers/daemon.js';
import { startWithStdout } from './helpers.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Records every POST; answers each path with the next status of `statuses[path]`, then 200. */
async function startReceiver(statuses: Record<string, number[]> = {}): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = statuses[req.url ?? '']?.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// a long-running program: a supervisord whose children are all FATAL and that serves no socket
// currently exits 13 (its event loop empties), which would end the run before the flush
const KEEPALIVE = `[program:keepalive]\ncommand=${path.join(FIXTURES, 'forever.sh')}\n`;
const CRASHER = `[program:crasher]\ncommand=/bin/sh -c "echo starting up; echo cannot open database >&2; exit 3"\nstartsecs=1\nstartretries=2\nredirect_stderr=true\n`;

test('a crash loop gives one FATAL alert with the exit record and last lines, as JSON and as Slack text', async () => {
  const receiver = await startReceiver();
  const dir = makeTempDir('sv-plugin-webhook-');
  const conf = writeConfig(
    dir,
    `${KEEPALIVE}\n${CRASHER}\n[plugin:alerts]\nmodule=webhook\nurl=${receiver.url}/json\non=fatal\nbatch_window=0\n\n` +
      `[plugin:slack]\nmodule=webhook\nurl=${receiver.url}/slack\ntemplate=slack\non=fatal\nbatch_window=0\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await daemon.waitForLog(/gave up: crasher entered FATAL state/, 20_000);
    await waitFor(() => receiver.received.length >= 2, 10_000, 'two POSTs');
  } finally {
    await daemon.stop();
    await receiver.close();
  }
  const json = receiver.received.filter((r) => r.path === '/json');
  assert.equal(json.length, 1, 'one FATAL alert for the whole crash loop');
  const body = JSON.parse(json[0]!.body) as { alerts: Record<string, unknown>[]; host: string };
  assert.equal(body.alerts.length, 1);
  const alert = body.alerts[0]!;
  assert.equal(alert.kind, 'fatal');
  assert.equal(alert.program, 'crasher');
  assert.equal(alert.state, 'FATAL');
  assert.equal(alert.from_state, 'BACKOFF');
  const uptime = (alert.exit as { uptime_ms: number }).uptime_ms;
  assert.ok(Number.isInteger(uptime) && uptime >= 0 && uptime < 1000, `uptime_ms is whole milliseconds under startsecs: ${uptime}`);
  assert.deepEqual(alert.exit, { exitstatus: 3, signal: null, description: 'exit status 3', expected: false, too_quickly: true, uptime_ms: uptime });
  assert.equal(alert.status, 'Exited too quickly (process log may have details)');
  assert.deepEqual(alert.last_lines, ['starting up', 'cannot open database', 'starting up', 'cannot open database', 'starting up', 'cannot open database']);
  const slack = receiver.received.filter((r) => r.path === '/slack');
  assert.equal(slack.length, 1);
  const text = (JSON.parse(slack[0]!.body) as { text: string }).text;
  assert.match(text, /^\*crasher\* FATAL on .* \(exit status 3; Exited too quickly/);
  assert.match(text, /cannot open database/);
});

test('batching window, per-program rate limit, retry after a 500, HMAC signature', async () => {
  const receiver = await startReceiver({ '/hook': [500] });
  const dir = makeTempDir('sv-plugin-webhook-batch-');
  const secret = 's3cret';
  const conf = writeConfig(
    dir,
    `${KEEPALIVE}\n${CRASHER}\n${CRASHER.replace('crasher', 'crasher2')}\n[plugin:alerts]\nmodule=webhook\nurl=${receiver.url}/hook\non=backoff,fatal\nbatch_window=0.5\nrate_limit=1\nretry_delay=0.2\nsecret=${secret}\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    await daemon.waitForLog(/gave up: crasher entered FATAL state/, 20_000);
    await daemon.waitForLog(/gave up: crasher2 entered FATAL state/, 20_000);
    await waitFor(() => receiver.received.length >= 2, 10_000, 'the first POST and its retry');
  } finally {
    // the flush on shutdown sends the count of what the rate limit held back
    await daemon.stop();
    await receiver.close();
  }
  const [first, retry, summary] = receiver.received;
  assert.ok(first && retry && summary, `three POSTs, got ${receiver.received.length}`);
  assert.equal(retry.body, first.body, 'the retry after 500 sends the same batch');
  const batch = JSON.parse(first.body) as { alerts: { kind: string; program: string }[] };
  // both programs enter BACKOFF within the window: one POST holds both alerts
  assert.deepEqual(batch.alerts.map((a) => `${a.program} ${a.kind}`).sort(), ['crasher backoff', 'crasher2 backoff']);
  // each program: 3 BACKOFF and a FATAL, 1 allowed by rate_limit=1
  const held = JSON.parse(summary.body) as { alerts: unknown[]; suppressed: Record<string, number> };
  assert.deepEqual(held.alerts, []);
  assert.deepEqual(held.suppressed, { crasher: 3, crasher2: 3 });
  assert.equal(receiver.received.length, 3);
  for (const r of receiver.received) {
    assert.equal(r.headers['x-supervisor-signature'], 'sha256=' + crypto.createHmac('sha256', secret).update(r.body).digest('hex'));
  }
  assert.match(daemon.mainLog(), /WARN plugin alerts: POST .*\/hook failed \(HTTP 500\), retrying in 0\.2s/);
});

/** docs/plugins.md's webhook payload: the field table (path -> type) and the example body. */
function documentedPayload(): { fields: Map<string, string>; example: unknown } {
  const page = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'plugins.md'), 'utf8');
  const section = page.slice(page.indexOf('### `webhook`'));
  const example = /```json\n([\s\S]*?)```/.exec(section);
  assert.ok(example, 'docs/plugins.md: the webhook section has a json example');
  const header = '| field | type | meaning |\n|---|---|---|\n';
  const at = section.indexOf(header);
  assert.ok(at >= 0, 'docs/plugins.md: the webhook section has the payload table');
  const fields = new Map<string, string>();
  for (const row of section.slice(at + header.length).split('\n')) {
    if (!row.startsWith('|')) break;
    const m = /^\| `([^`]+)` \| ([a-z ]+) \| /.exec(row);
    assert.ok(m, `docs/plugins.md: a payload table row not as | \`field\` | type | meaning |: ${row}`);
    fields.set(m[1]!, m[2]!);
  }
  return { fields, example: JSON.parse(example[1]!) };
}

function hasType(value: unknown, type: string): boolean {
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  return type.split(' or ').some((t) => {
    switch (t) {
      case 'null':
        return value === null;
      case 'string':
        return typeof value === 'string';
      case 'integer':
        return Number.isInteger(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'object':
        return isObject(value);
      case 'array of strings':
        return Array.isArray(value) && value.every((v) => typeof v === 'string');
      case 'array of objects':
        return Array.isArray(value) && value.every(isObject);
      default:
        throw new Error(`docs/plugins.md: the payload table has an unknown type '${t}'`);
    }
  });
}

/**
 * Walks a body: each field must be in the table (`a[].b` for a field of an array's objects,
 * `a.<name>` for a key that is a name), of its type, and each object must hold every field the
 * table lists for it. Returns the problems; `seen` collects the table rows the body used.
 */
function checkBody(body: unknown, fields: Map<string, string>, seen: Set<string>, where: string): string[] {
  const problems: string[] = [];
  const parentOf = (field: string): string => field.slice(0, Math.max(0, field.lastIndexOf('.')));
  const walkObject = (object: Record<string, unknown>, base: string): void => {
    const named = (key: string): string => (base ? `${base}.${key}` : key);
    for (const field of fields.keys()) {
      if (parentOf(field) === base && !field.endsWith('.<name>') && !(field.slice(base ? base.length + 1 : 0) in object)) problems.push(`${where}: ${field} is missing`);
    }
    for (const [key, value] of Object.entries(object)) walk(value, fields.has(named(key)) ? named(key) : named('<name>'));
  };
  const walk = (value: unknown, field: string): void => {
    const type = fields.get(field);
    if (type === undefined) return void problems.push(`${where}: ${field} = ${JSON.stringify(value)} is not in docs/plugins.md's table`);
    seen.add(field);
    if (!hasType(value, type)) return void problems.push(`${where}: ${field} = ${JSON.stringify(value)}, documented as ${type}`);
    if (type.startsWith('object') && value !== null) walkObject(value as Record<string, unknown>, field);
    if (type === 'array of objects') for (const item of value as Record<string, unknown>[]) walkObject(item, `${field}[]`);
  };
  walkObject(body as Record<string, unknown>, '');
  return problems;
}

test('every field of every json body is in the table of docs/plugins.md, of its type, and so is the example', async () => {
  const { fields, example } = documentedPayload();
  assert.deepEqual(checkBody(example, fields, new Set(), 'the example of docs/plugins.md'), []);

  const receiver = await startReceiver();
  const dir = makeTempDir('sv-plugin-webhook-doc-');
  // a plain program and a group of two: suppressed names both kinds; rate_limit=1 makes it non-empty
  const workers = `[program:workers]\ncommand=/bin/sh -c "echo worker up; exit 4"\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)02d\nstartsecs=1\nstartretries=2\n`;
  // past its memory_limit on its first run only: one memory alert
  const hog = `[program:hog]\ncommand=/bin/sh -c "if [ -e ${dir}/hogged ]; then exec sleep 100; fi; touch ${dir}/hogged; exec ${FIXTURES}/allocate.py 80"\nmemory_limit=50MB\nstartsecs=0\n`;
  const conf = writeConfig(
    dir,
    `${KEEPALIVE}\n${CRASHER}\n${workers}\n${hog}\n[plugin:alerts]\nmodule=webhook\nurl=${receiver.url}/json\non=backoff,fatal,memory\nbatch_window=0.5\nrate_limit=1\n\n` +
      `[plugin:slack]\nmodule=webhook\nurl=${receiver.url}/slack\ntemplate=slack\non=backoff,fatal,memory\nbatch_window=0.5\nrate_limit=1\n`,
  );
  const daemon = startWithStdout(dir, ['-n', '-s', '-c', conf]);
  try {
    for (const name of ['crasher', 'workers_00', 'workers_01']) await daemon.waitForLog(new RegExp(`gave up: ${name} entered FATAL state`), 30_000);
    await daemon.waitForLog(/memory limit: hog \(pid \d+\)/, 30_000);
    await waitFor(() => receiver.received.some((r) => r.path === '/json' && r.body.includes('"kind":"memory"')), 10_000, 'the memory alert');
  } finally {
    // the flush on shutdown sends what the rate limit held back
    await daemon.stop();
    await receiver.close();
  }
  const bodies = receiver.received.filter((r) => r.path === '/json').map((r) => JSON.parse(r.body) as { alerts: unknown[]; suppressed: Record<string, number> });
  assert.ok(bodies.length >= 2, `alerts, then the rate-limited count: ${bodies.length} POSTs`);
  const seen = new Set<string>();
  assert.deepEqual(bodies.flatMap((body, i) => checkBody(body, fields, seen, `POST ${i + 1}`)), []);
  assert.deepEqual([...fields.keys()].filter((f) => !seen.has(f)), [], 'every row of the table was in a body (none is stale)');
  // each process: 3 BACKOFF and a FATAL, 1 let through by rate_limit=1
  // held back since the POST before: the counts may come in more than one POST
  const suppressed: Record<string, number> = {};
  for (const body of bodies) for (const [name, count] of Object.entries(body.suppressed)) suppressed[name] = (suppressed[name] ?? 0) + count;
  assert.deepEqual(suppressed, { crasher: 3, 'workers:workers_00': 3, 'workers:workers_01': 3 });

  const slack = receiver.received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body) as Record<string, unknown>);
  for (const body of slack) assert.deepEqual(Object.keys(body), ['text']);
  const text = slack.map((b) => b.text).join('\n');
  assert.match(text, /^\*workers:workers_00\* BACKOFF on /m);
  assert.match(text, /^_\d more alerts for workers:workers_01 held back by the rate limit_$/m);
  assert.match(text, /^\*hog\* restarted for its memory_limit on .* \(\d+\.\d MiB resident, limit 50\.0 MiB\)$/m);
  const memory = bodies.flatMap((b) => b.alerts as { kind: string; program: string; memory: { rss: number; limit: number } }[]).filter((a) => a.kind === 'memory');
  assert.deepEqual(memory.map((a) => a.program), ['hog']);
  assert.ok(memory[0]!.memory.rss > 50 * 1024 * 1024 && memory[0]!.memory.limit === 50 * 1024 * 1024);
});
