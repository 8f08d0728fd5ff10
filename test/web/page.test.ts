// The status page and log view in Debian's chromium against a real daemon: live state without
// reload, buttons that act on the real process, live log lines, a crash loop on the timeline, auth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FIXTURES, isAlive } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { launchChromium, screenshotPath } from './browser.js';
import { PASSWORD, startWebDaemon, USER, type WebDaemon } from './web-daemon.js';

const PROGRAMS =
  `[program:web]\ncommand=${FIXTURES}/forever.sh\nstartsecs=0\nstopsignal=KILL\n` +
  // cat echoes what sendProcessStdin writes: a line the test makes the child write on demand
  `[program:echo]\ncommand=/bin/cat\nstartsecs=0\nstopsignal=KILL\n` +
  `[program:flap]\ncommand=${FIXTURES}/exit-1.sh\nstartsecs=0\nautorestart=true\n` +
  // never starts: FATAL with a spawn error and nothing in its log
  `[program:missing]\ncommand=/no/such/command-for-the-log-page\nstartretries=0\n`;

const PAGE_TIMEOUT_MS = 15_000;

let web: WebDaemon;
let browser: Browser;
let context: BrowserContext;

before(async () => {
  web = await startWebDaemon(PROGRAMS);
  browser = await launchChromium();
  context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1500, height: 700 } });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
});

after(async () => {
  await browser?.close();
  await web?.daemon.stop();
});

async function processInfo(namespec: string): Promise<{ statename: string; pid: number }> {
  return (await rpcCall(web.socket, 'supervisor.getProcessInfo', [namespec])) as { statename: string; pid: number };
}

async function waitForText(page: Page, selector: string, text: string | RegExp): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor();
}

test('the status page loads, shows state changes without reload, and its buttons stop and start the real process', async () => {
  const page = await context.newPage();
  const response = await page.goto(`http://127.0.0.1:${web.port}/`);
  assert.equal(response?.status(), 200);
  await page.locator('#connection[data-state="live"]').waitFor();
  await waitForText(page, 'tr.process-row[data-namespec="web:web"] .state', 'RUNNING');
  // a marker that a reload would wipe out
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  // the stop answers once the process is STOPPED; from then the page has a second to show it
  await rpcCall(web.socket, 'supervisor.stopProcess', ['web']);
  const stoppedAt = Date.now();
  await page.waitForFunction(
    () => document.querySelector('tr.process-row[data-namespec="web:web"] .state')?.textContent?.includes('STOPPED'),
    undefined,
    { timeout: 1000, polling: 'raf' },
  );
  console.log(`# the page showed STOPPED ${Date.now() - stoppedAt} ms after the state change`);
  await rpcCall(web.socket, 'supervisor.startProcess', ['web']);
  await waitForText(page, 'tr.process-row[data-namespec="web:web"] .state', 'RUNNING');
  assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);

  const before = await processInfo('web');
  await page.locator('tr.process-row[data-namespec="web:web"] button[data-action="stop"]').click();
  await waitForText(page, 'tr.process-row[data-namespec="web:web"] .state', 'STOPPED');
  assert.equal((await processInfo('web')).statename, 'STOPPED');
  assert.equal(isAlive(before.pid), false);
  await waitForText(page, '#message', 'Process web:web stopped');

  await page.locator('tr.process-row[data-namespec="web:web"] button[data-action="start"]').click();
  await waitForText(page, 'tr.process-row[data-namespec="web:web"] .state', 'RUNNING');
  const started = await processInfo('web');
  assert.equal(started.statename, 'RUNNING');
  assert.notEqual(started.pid, before.pid);
  assert.equal(isAlive(started.pid), true);
  await waitForText(page, 'tr.process-row[data-namespec="web:web"] td.pid', String(started.pid));
  assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);

  // the sampler's first points arrive while the page is open
  await page.locator('tr.process-row[data-namespec="web:web"] .spark.mem .value').filter({ hasText: /iB/ }).waitFor();
  await page.screenshot({ path: screenshotPath('status'), fullPage: true });
  await page.close();
});

test("a crash-looping program's restarts show on its timeline", async () => {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${web.port}/`);
  const flap = page.locator('tr.process-row[data-namespec="flap:flap"] .timeline');
  await page.waitForFunction(() => Number(document.querySelector('tr.process-row[data-namespec="flap:flap"] .timeline')?.getAttribute('data-starts')) >= 3, undefined, { timeout: 20_000 });
  assert.ok((await flap.locator('line.restart').count()) >= 3);
  assert.match((await flap.getAttribute('class')) ?? '', /flapping/);
  await page.screenshot({ path: screenshotPath('timeline'), fullPage: true });
  await page.close();
});

test('the log view shows a line the child just wrote', async () => {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${web.port}/tail.html?processname=echo`);
  await page.locator('#connection[data-state="live"]').waitFor();
  const marker = `hello from the child ${Date.now()}`;
  await rpcCall(web.socket, 'supervisor.sendProcessStdin', ['echo', `${marker}\n`]);
  await waitForText(page, '#log', marker);
  // paused, a new line is held back; resumed, it appears
  await page.locator('#pause').click();
  const held = `held line ${Date.now()}`;
  await rpcCall(web.socket, 'supervisor.sendProcessStdin', ['echo', `${held}\n`]);
  await rpcCall(web.socket, 'supervisor.sendProcessStdin', ['echo', 'ignored\n']);
  await page.locator('#pause').click();
  await waitForText(page, '#log', held);
  await page.screenshot({ path: screenshotPath('log'), fullPage: true });
  assert.match(await page.locator('#download').getAttribute('href') ?? '', /\/download\?processname=echo&channel=stdout/);
  await page.close();
});

test("a RUNNING process's description ticks with its uptime, as 4.2.5 computes it when asked", async () => {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${web.port}/`);
  const row = 'tr.process-row[data-namespec="echo:echo"]';
  await waitForText(page, `${row} .state`, 'RUNNING');
  const first = (await page.locator(`${row} td.description`).textContent()) ?? '';
  const { pid } = await processInfo('echo');
  assert.match(first, new RegExp(`^pid ${pid}, uptime \\d+:\\d\\d:\\d\\d$`));
  // without a state change or reload, the description moves on in step with the Uptime column
  await page.waitForFunction(
    ({ row, first }) => {
      const description = document.querySelector(`${row} td.description`)?.textContent ?? '';
      const uptime = document.querySelector(`${row} td.uptime`)?.textContent ?? '';
      return description !== first && description.endsWith(`, uptime ${uptime}`);
    },
    { row, first },
    { timeout: PAGE_TIMEOUT_MS },
  );
  await page.close();
});

test("a FATAL program's log page says why it is not running: the state and its spawn error", async () => {
  const deadline = Date.now() + PAGE_TIMEOUT_MS;
  while ((await processInfo('missing')).statename !== 'FATAL') {
    assert.ok(Date.now() < deadline, 'missing never became FATAL');
    await new Promise((r) => setTimeout(r, 50));
  }
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${web.port}/tail.html?processname=missing`);
  await page.locator('#connection[data-state="live"]').waitFor();
  await waitForText(page, '#why', "FATAL: can't find command '/no/such/command-for-the-log-page'");
  assert.equal(await page.locator('#why').isVisible(), true);
  assert.equal(await page.locator('#state').textContent(), 'FATAL');
  await page.screenshot({ path: screenshotPath('log-fatal'), fullPage: true });
  // a running program's page has no such note
  await page.goto(`http://127.0.0.1:${web.port}/tail.html?processname=echo`);
  await waitForText(page, '#state', 'RUNNING');
  assert.equal(await page.locator('#why').isVisible(), false);
  await page.close();
});

test('wrong or missing credentials are refused', async () => {
  for (const httpCredentials of [{ username: USER, password: 'wrong' }, undefined]) {
    const other = await browser.newContext(httpCredentials ? { httpCredentials } : {});
    const page = await other.newPage();
    const statuses: number[] = [];
    page.on('response', (response) => statuses.push(response.status()));
    // chromium either shows the 401 or, refused again after answering the challenge, gives up with ERR_INVALID_AUTH_CREDENTIALS
    const outcome = await page.goto(`http://127.0.0.1:${web.port}/`).then(
      (response) => response?.status(),
      (err: Error) => (/ERR_INVALID_AUTH_CREDENTIALS/.test(err.message) ? 401 : err.message),
    );
    assert.equal(outcome, 401);
    assert.ok(statuses.every((s) => s === 401), `statuses ${statuses.join(',')}`);
    assert.equal(await page.locator('#processes').count(), 0);
    await other.close();
  }
  // the refusal itself, as any client sees it
  const refused = await fetch(`http://127.0.0.1:${web.port}/`, { headers: { Authorization: `Basic ${Buffer.from(`${USER}:wrong`).toString('base64')}` } });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('www-authenticate'), 'Basic realm="default"');
});
