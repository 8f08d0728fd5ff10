// webhook: POSTs alerts on chosen transitions (FATAL, unexpected exit, BACKOFF, flapping,
// recovery) with the exit record and the program's last lines; alerts are batched over a window,
// rate-limited per program, retried with backoff, and optionally signed with an HMAC.
import crypto from 'node:crypto';
import os from 'node:os';
import { definePlugin, type PluginLogger, type ProcessMemoryLimitEvent, type ProcessStateEvent, type ProcessSnapshot } from '../../src/plugins/api.js';
import { ALERT_KINDS, TransitionDetector } from './alerts.js';
import { renderBody, statusName, type Alert, type Batch } from './render.js';

export default definePlugin({
  name: 'webhook',
  version: '1.0.0',
  events: ['PROCESS_STATE', 'PROCESS_LOG', 'PROCESS_MEMORY_LIMIT'],
  options: {
    url: { type: 'string', required: true, description: 'where alerts are POSTed' },
    on: { type: 'list', default: ALERT_KINDS, description: `transitions that alert: ${ALERT_KINDS.join(', ')}` },
    template: { type: 'string', choices: ['json', 'slack'], default: 'json', description: 'json: every field; slack: an incoming-webhook { text }' },
    flap_starts: { type: 'integer', default: 5, min: 2, description: 'starts within flap_seconds that make a program flapping' },
    flap_seconds: { type: 'number', default: 60, min: 1, description: 'the flapping window' },
    batch_window: { type: 'number', default: 2, min: 0, description: 'seconds alerts are gathered into one POST (0: each at once)' },
    rate_limit: { type: 'integer', default: 10, min: 1, description: 'alerts per program per rate_period; more are counted and reported' },
    rate_period: { type: 'number', default: 300, min: 1, description: 'seconds of the rate limit window' },
    retries: { type: 'integer', default: 5, min: 0, description: 'resends after a failed POST (network error or non-2xx)' },
    retry_delay: { type: 'number', default: 1, min: 0, description: 'seconds before the first resend, doubled each time' },
    timeout: { type: 'number', default: 10, min: 0.1, description: 'seconds one POST may take' },
    log_lines: { type: 'integer', default: 20, min: 0, description: 'last output lines of the program sent with an alert' },
    secret: { type: 'string', description: 'when set, X-Supervisor-Signature: sha256=<hex HMAC of the body>' },
  },
  setup({ options, processes, log }) {
    for (const kind of options.on) {
      if (!(ALERT_KINDS as readonly string[]).includes(kind)) throw new Error(`on=: unknown transition '${kind}' (accepted: ${ALERT_KINDS.join(', ')})`);
    }
    const detector = new TransitionDetector({ on: new Set(options.on), flapStarts: options.flap_starts, flapSeconds: options.flap_seconds });
    const lastLines = new Map<string, string[]>();
    const sentAt = new Map<string, number[]>();
    let pending: Alert[] = [];
    let suppressed: Record<string, number> = {};
    let timer: NodeJS.Timeout | undefined;
    let sending: Promise<void> = Promise.resolve();
    /** alerts in batches not yet delivered nor given up: counted if flush_timeout cuts them off */
    let unsent = 0;
    const stopped = new AbortController();
    const host = os.hostname();

    const withinRateLimit = (program: string, now: number): boolean => {
      const recent = (sentAt.get(program) ?? []).filter((t) => t > now - options.rate_period * 1000);
      if (recent.length >= options.rate_limit) {
        sentAt.set(program, recent);
        return false;
      }
      recent.push(now);
      sentAt.set(program, recent);
      return true;
    };

    const sendBatch = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0 && Object.keys(suppressed).length === 0) return;
      const batch: Batch = { host, alerts: pending, suppressed };
      pending = [];
      suppressed = {};
      const body = renderBody(options.template as 'json' | 'slack', batch);
      const count = batch.alerts.length;
      unsent += count;
      sending = sending.then(() => post(body, describe(batch), options, log, stopped.signal)).finally(() => (unsent -= count));
    };

    const alert = async (event: ProcessStateEvent | ProcessMemoryLimitEvent, kind: Alert['kind']): Promise<void> => {
      const key = `${event.groupname}:${event.processname}`;
      const name = statusName(event.groupname, event.processname);
      if (!withinRateLimit(name, event.time)) {
        suppressed[name] = (suppressed[name] ?? 0) + 1;
        return;
      }
      const lines = [...(lastLines.get(key) ?? [])];
      pending.push(buildAlert(event, kind, await processes.get(key), lines));
      if (options.batch_window === 0) sendBatch();
      else timer ??= setTimeout(sendBatch, options.batch_window * 1000);
    };

    return {
      async event(event) {
        if (event.type === 'PROCESS_LOG_STDOUT' || event.type === 'PROCESS_LOG_STDERR') {
          if (options.log_lines === 0) return;
          const key = `${event.groupname}:${event.processname}`;
          const kept = [...(lastLines.get(key) ?? []), ...event.lines];
          lastLines.set(key, kept.slice(-options.log_lines));
          return;
        }
        if (event.type === 'PROCESS_MEMORY_LIMIT') {
          if (options.on.includes('memory')) await alert(event, 'memory');
          return;
        }
        if (!event.type.startsWith('PROCESS_STATE_')) return;
        const state = event as ProcessStateEvent;
        for (const kind of detector.kinds(state)) await alert(state, kind);
      },
      async flush(deadline) {
        sendBatch();
        // flush_timeout ran out: count what was not delivered, and send nothing more
        const giveUp = (): void => {
          stopped.abort();
          if (unsent > 0) log.error(`flush_timeout reached, ${unsent} alert${unsent === 1 ? '' : 's'} not delivered`);
        };
        if (deadline?.aborted) return giveUp();
        deadline?.addEventListener('abort', giveUp, { once: true });
        await sending;
      },
    };
  },
});

function buildAlert(event: ProcessStateEvent | ProcessMemoryLimitEvent, kind: Alert['kind'], info: ProcessSnapshot | undefined, lines: string[]): Alert {
  if (event.type === 'PROCESS_MEMORY_LIMIT') {
    return {
      kind,
      program: event.processname,
      group: event.groupname,
      time: new Date(event.time).toISOString(),
      from_state: 'RUNNING',
      state: info?.state ?? 'STOPPING',
      pid: event.pid,
      exit: null,
      status: info?.description ?? '',
      tries: null,
      memory: { rss: event.rss, limit: event.limit },
      last_lines: lines,
    };
  }
  return {
    kind,
    program: event.processname,
    group: event.groupname,
    time: new Date(event.time).toISOString(),
    from_state: event.from_state,
    state: event.type.slice('PROCESS_STATE_'.length),
    pid: event.pid ?? null,
    exit: info?.lastExit
      ? { exitstatus: info.lastExit.exitstatus, signal: info.lastExit.signal, description: info.lastExit.description, expected: info.lastExit.expected, too_quickly: info.lastExit.tooQuickly, uptime_ms: info.lastExit.uptimeMs }
      : info ? { exitstatus: info.exitstatus, signal: null, description: `exit status ${info.exitstatus}`, expected: event.expected ?? null, too_quickly: null, uptime_ms: null } : null,
    status: info?.description ?? '',
    tries: event.tries ?? null,
    memory: null,
    last_lines: lines,
  };
}

interface PostOptions {
  url: string;
  secret: string | undefined;
  retries: number;
  retry_delay: number;
  timeout: number;
}

/** What a batch holds, for the line that gives it up: the alerts, and a rate-limit count if any. */
function describe(batch: Batch): string {
  const held = Object.values(batch.suppressed).reduce((n, c) => n + c, 0);
  const alerts = `${batch.alerts.length} alert${batch.alerts.length === 1 ? '' : 's'}`;
  return held > 0 ? `${alerts} and the count of ${held} rate-limited` : alerts;
}

/** POST with retries and doubling delays; gives up (logged, with what the batch held) after the last retry. */
async function post(body: string, what: string, options: PostOptions, log: PluginLogger, stopped: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'supervisor-ts-webhook/1.0' };
  if (options.secret) headers['x-supervisor-signature'] = 'sha256=' + crypto.createHmac('sha256', options.secret).update(body).digest('hex');
  for (let attempt = 0; !stopped.aborted; attempt++) {
    let failure: string;
    try {
      const response = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeout * 1000) });
      await response.arrayBuffer();
      if (response.ok) return;
      failure = `HTTP ${response.status}`;
    } catch (err) {
      failure = (err as Error).message;
    }
    if (attempt >= options.retries) {
      log.error(`POST ${options.url} failed (${failure}) after ${attempt + 1} attempts: ${what} dropped`);
      return;
    }
    const delay = options.retry_delay * 1000 * 2 ** attempt;
    log.warn(`POST ${options.url} failed (${failure}), retrying in ${delay / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
