// The two body templates: generic JSON (every field) and Slack-compatible ({ text }).
import type { AlertKind } from './alerts.js';

export interface Alert {
  kind: AlertKind;
  program: string;
  group: string;
  /** ISO 8601 */
  time: string;
  from_state: string;
  state: string;
  pid: number | null;
  /**
   * how the process last ended (null before any exit); as a listener only what getProcessInfo
   * tells: expected, too_quickly and uptime_ms are null when unknown
   */
  exit: { exitstatus: number; signal: string | null; description: string; expected: boolean | null; too_quickly: boolean | null; uptime_ms: number | null } | null;
  /** why it is not running, as `status` describes it ("Exited too quickly ...") */
  status: string;
  tries: number | null;
  /** kind memory: the resident bytes of the process tree and its memory_limit; null for the others */
  memory: { rss: number; limit: number } | null;
  last_lines: string[];
}

export interface Batch {
  host: string;
  alerts: Alert[];
  /** alerts held back by the per-program rate limit since the last batch, by statusName */
  suppressed: Record<string, number>;
}

/**
 * A process as `supervisorctl status` names it: `web` for [program:web], `workers:workers_01` in a
 * group of several, where the process name alone could be taken for another program's.
 */
export function statusName(group: string, process: string): string {
  return group === process ? process : `${group}:${process}`;
}

const TITLES: Record<AlertKind, string> = {
  fatal: 'FATAL',
  exited: 'exited unexpectedly',
  backoff: 'BACKOFF',
  flapping: 'flapping',
  recovery: 'recovered',
  memory: 'restarted for its memory_limit',
};

export function renderBody(template: 'json' | 'slack', batch: Batch): string {
  if (template === 'json') return JSON.stringify({ source: 'supervisor-ts', ...batch });
  const parts = batch.alerts.map((a) => {
    const exit = a.memory
      ? ` (${formatMiB(a.memory.rss)} resident, limit ${formatMiB(a.memory.limit)})`
      : a.exit && a.kind !== 'recovery' ? ` (${a.exit.description}; ${a.status})` : '';
    const lines = a.last_lines.length ? `\n\`\`\`\n${a.last_lines.join('\n')}\n\`\`\`` : '';
    return `*${statusName(a.group, a.program)}* ${TITLES[a.kind]} on ${batch.host}${exit}${lines}`;
  });
  for (const [name, count] of Object.entries(batch.suppressed)) parts.push(`_${count} more alerts for ${name} held back by the rate limit_`);
  return JSON.stringify({ text: parts.join('\n') });
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
