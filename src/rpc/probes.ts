// HTTP probes for orchestrators (beyond 4.2.5, docs/containers.md): GET or HEAD /livez (the daemon
// answers) and /readyz[/NAMES] (the named processes pass the probe rule of readiness.ts). A status
// code and one line of plain text; no XML, no allocation beyond the answer, so that a kubelet
// asking every few seconds costs the daemon next to nothing (ADR 0013).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notReadyBecause, readyAs } from '../process/readiness.js';
import type { Subprocess } from '../process/subprocess.js';
import type { Supervisor } from '../process/supervisor.js';

export const LIVENESS_PATH = '/livez';
export const READINESS_PATH = '/readyz';

/** Whether a decoded request path (query string included) is one of the probe paths. */
export function isProbePath(path: string): boolean {
  const bare = withoutQuery(path);
  return bare === LIVENESS_PATH || bare === READINESS_PATH || bare.startsWith(READINESS_PATH + '/');
}

function withoutQuery(path: string): string {
  const question = path.indexOf('?');
  return question === -1 ? path : path.slice(0, question);
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, line: string, headers: Record<string, string> = {}): void {
  const body = line + '\n';
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    // a cache between the prober and us would answer with an old verdict
    'Cache-Control': 'no-store',
    // the line may echo a name from the URL: never let a browser read it as anything but text
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function namespecOf(proc: Subprocess): string {
  return proc.group === proc.name ? proc.name : `${proc.group}:${proc.name}`;
}

/**
 * The processes NAMES selects ("web", "worker:*", "worker:worker_0", comma-separated; none = all),
 * or the one-line reason a name selects nothing.
 */
function select(supervisor: Supervisor, names: string): { processes: Subprocess[] } | { unknown: string } {
  if (names === '') return { processes: supervisor.processes() };
  const processes: Subprocess[] = [];
  for (const name of names.split(',')) {
    if (name === '') return { unknown: `an empty name in ${JSON.stringify(names)}` };
    // as `supervisorctl status` reads names: "web" and "web:*" are the group, "web:web_0" one process
    const colon = name.indexOf(':');
    const group = colon === -1 ? name : name.slice(0, colon);
    const wholeGroup = colon === -1 || name.slice(colon + 1) === '*';
    let found: ReturnType<Supervisor['resolve']>;
    try {
      found = supervisor.resolve(wholeGroup ? `${group}:*` : name);
    } catch {
      // status's words for a name that matches nothing
      return { unknown: wholeGroup ? `no such group: ${group}` : `no such process: ${name}` };
    }
    if (found.process !== null) processes.push(found.process);
    else processes.push(...[...found.group.processes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }
  return { processes };
}

function readiness(supervisor: Supervisor, names: string): { status: number; line: string } {
  const selected = select(supervisor, names);
  if ('unknown' in selected) return { status: 404, line: selected.unknown };
  const { processes } = selected;
  let firstFailure: string | null = null;
  let failures = 0;
  for (const proc of processes) {
    const why = notReadyBecause({ state: proc.state, health: proc.health, restartingForHealth: proc.restartingForHealth });
    if (why === null) continue;
    failures += 1;
    firstFailure ??= `${namespecOf(proc)} ${why}`;
  }
  if (firstFailure !== null) {
    const others = failures > 1 ? ` (and ${failures - 1} more not ready)` : '';
    return { status: 503, line: `${firstFailure}${others}` };
  }
  if (processes.length === 1) return { status: 200, line: `${namespecOf(processes[0]!)} ${readyAs(processes[0]!)}` };
  return { status: 200, line: processes.length === 0 ? 'no processes to wait for' : `all ${processes.length} processes ready` };
}

/** Answers a probe path (isProbePath true); any method but GET and HEAD gets 405. */
export function answerProbe(supervisor: Supervisor, path: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    answer(req, res, 405, `${req.method ?? 'this method'} is not allowed: a probe is GET or HEAD`, { Allow: 'GET, HEAD' });
    return;
  }
  const bare = withoutQuery(path);
  if (bare === LIVENESS_PATH) {
    answer(req, res, 200, 'supervisord is up');
    return;
  }
  const { status, line } = readiness(supervisor, bare.slice(READINESS_PATH.length + 1));
  answer(req, res, status, line);
}

/**
 * The handler of a [probe_http_server]: the probe paths without credentials, and nothing else
 * (404), so that opening it to the kubelet opens no control and no output of any program.
 */
export function makeProbeOnlyHandler(supervisor: Supervisor): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // a probe has no body; whatever is sent is dropped so that the answer is not lost to a reset
    req.resume();
    const path = req.url ?? '/';
    if (isProbePath(path)) answerProbe(supervisor, decodedOrRaw(path), req, res);
    else answer(req, res, 404, `not a probe path: this server answers only ${LIVENESS_PATH} and ${READINESS_PATH}[/name,...]`);
  };
}

function decodedOrRaw(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
