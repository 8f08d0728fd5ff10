// The page's buttons: start, stop, restart and clear log for one process, a group or everything,
// through the same core operations as the RPC methods; the answer is a one-line message.
import { SupervisorError, type ProcessResult } from '../process/faults.js';
import type { Subprocess } from '../process/subprocess.js';
import type { Supervisor } from '../process/supervisor.js';

export type ActionName = 'start' | 'stop' | 'restart' | 'clearlog';
export type ActionScope = 'process' | 'group' | 'all';

export interface ActionRequest {
  action: ActionName;
  scope: ActionScope;
  /** a namespec ("group:name") for a process, a group name for a group; ignored for all */
  name: string;
}

const ACTIONS: ReadonlySet<string> = new Set(['start', 'stop', 'restart', 'clearlog']);
const SCOPES: ReadonlySet<string> = new Set(['process', 'group', 'all']);

/** The request in a page message, or null when it is not a well-formed one. */
export function parseActionRequest(message: Record<string, unknown>): ActionRequest | null {
  const { action, scope, name } = message;
  if (typeof action !== 'string' || !ACTIONS.has(action) || typeof scope !== 'string' || !SCOPES.has(scope)) return null;
  return { action: action as ActionName, scope: scope as ActionScope, name: typeof name === 'string' ? name : '' };
}

const PAST_TENSE: Record<ActionName, string> = { start: 'started', stop: 'stopped', restart: 'restarted', clearlog: 'log cleared' };

function subject(request: ActionRequest): string {
  if (request.scope === 'all') return 'All processes';
  return `${request.scope === 'group' ? 'Group' : 'Process'} ${request.name}`;
}

/** "ok" results read as success; the failures are listed by name and fault text. */
function summarize(request: ActionRequest, results: ProcessResult[]): { ok: boolean; message: string } {
  const failures = results.filter((r) => r.description !== 'OK');
  if (failures.length === 0) return { ok: true, message: `${subject(request)} ${PAST_TENSE[request.action]}` };
  return { ok: false, message: `ERROR: ${failures.map((f) => `${f.group}:${f.name}: ${f.description}`).join('; ')}` };
}

function targets(supervisor: Supervisor, request: ActionRequest): Subprocess[] {
  if (request.scope === 'all') return supervisor.processes();
  if (request.scope === 'group') return [...supervisor.resolve(`${request.name}:*`).group.processes];
  const { process: proc } = supervisor.resolve(request.name);
  return proc === null ? [] : [proc];
}

async function clearLogs(procs: Subprocess[]): Promise<ProcessResult[]> {
  const results: ProcessResult[] = [];
  for (const proc of procs) {
    try {
      await proc.clearLogs();
      results.push({ name: proc.name, group: proc.group, status: 80, description: 'OK' });
    } catch (err) {
      results.push({ name: proc.name, group: proc.group, status: 30, description: `FAILED: ${(err as Error).message}` });
    }
  }
  return results;
}

async function stop(supervisor: Supervisor, request: ActionRequest): Promise<ProcessResult[]> {
  if (request.scope === 'all') return supervisor.stopAll();
  if (request.scope === 'group') return supervisor.stopGroup(request.name);
  await supervisor.stopProcess(request.name);
  return [];
}

async function start(supervisor: Supervisor, request: ActionRequest): Promise<ProcessResult[]> {
  if (request.scope === 'all') return supervisor.startAll();
  if (request.scope === 'group') return supervisor.startGroup(request.name);
  await supervisor.startProcess(request.name);
  return [];
}

/** Runs the action to completion (a start waits for RUNNING, as the RPC method does). */
export async function runAction(supervisor: Supervisor, request: ActionRequest): Promise<{ ok: boolean; message: string }> {
  try {
    switch (request.action) {
      case 'start':
        return summarize(request, await start(supervisor, request));
      case 'stop':
        return summarize(request, await stop(supervisor, request));
      case 'restart': {
        // restarting a stopped process is just a start: NOT_RUNNING from the stop is expected
        const stopped = await stop(supervisor, request).catch((err: unknown) => {
          if (err instanceof SupervisorError && err.code === 'NOT_RUNNING') return [];
          throw err;
        });
        const failedStops = stopped.filter((r) => r.description !== 'OK');
        return summarize(request, [...failedStops, ...(await start(supervisor, request))]);
      }
      case 'clearlog':
        return summarize(request, await clearLogs(targets(supervisor, request)));
    }
  } catch (err) {
    if (err instanceof SupervisorError) return { ok: false, message: `ERROR: ${err.message}` };
    throw err;
  }
}
