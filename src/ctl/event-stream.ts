// The client of our daemon's /events WebSocket behind `supervisorctl events`: over the server URL's
// TCP port or unix socket, with the same credentials as XML-RPC; each frame is one event's JSON.
import { createRequire } from 'node:module';
import type { Credentials } from './rpc-client.js';
import { parseServerUrl } from './server-url.js';

export interface EventStreamSinks {
  /** the server accepted the stream: events from now on will come */
  opened(): void;
  /** one event as the JSON text the daemon sent */
  event(json: string): void;
}

/** How a stream ended: `refused` = the server answered the upgrade with an HTTP status (4.2.5: 404). */
export type EventStreamEnd =
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'refused'; status: number; statusText: string }
  | { kind: 'error'; message: string };

export interface EventStream {
  done: Promise<EventStreamEnd>;
  close(): void;
}

export interface EventQuery {
  types: readonly string[];
  programs: readonly string[];
}

/** The ws URL of /events for a supervisorctl server URL (http://host:port or unix:///path). */
export function eventsUrl(serverurl: string, query: EventQuery): string {
  const params = new URLSearchParams();
  if (query.types.length) params.set('types', query.types.join(','));
  if (query.programs.length) params.set('program', query.programs.join(','));
  const search = params.size ? `?${params}` : '';
  const address = parseServerUrl(serverurl);
  if (address.kind === 'unix') return `ws+unix://${address.socketPath}:/events${search}`;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `ws://${host}:${address.port}/events${search}`;
}

export async function openEventStream(serverurl: string, query: EventQuery, credentials: Credentials, sinks: EventStreamSinks): Promise<EventStream> {
  // loaded here, not at the top: every other supervisorctl call (a probe every few seconds) would pay
  // for ws. require(), not import(): the bundle runs as a vm.Script (bin/supervisorctl.js), where
  // import() has no loader on node 20
  const { WebSocket } = createRequire(import.meta.url)('ws') as typeof import('ws');
  const headers: Record<string, string> = {};
  // as XML-RPC: credentials only when both are set
  if (credentials.username !== null && credentials.password !== null) {
    headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
  }
  const socket = new WebSocket(eventsUrl(serverurl, query), { headers });
  let settle: (end: EventStreamEnd) => void;
  const done = new Promise<EventStreamEnd>((resolve) => {
    let settled = false;
    settle = (end) => {
      if (settled) return;
      settled = true;
      resolve(end);
    };
  });
  socket.on('open', () => sinks.opened());
  socket.on('message', (data, isBinary) => {
    if (!isBinary) sinks.event(data.toString());
  });
  socket.on('unexpected-response', (_req, res) => {
    settle({ kind: 'refused', status: res.statusCode ?? 0, statusText: res.statusMessage ?? '' });
    res.resume();
    socket.terminate();
  });
  socket.on('error', (err) => settle({ kind: 'error', message: err.message }));
  socket.on('close', (code, reason) => settle({ kind: 'closed', code, reason: reason.toString() }));
  return {
    done,
    close: () => {
      settle({ kind: 'closed', code: 1000, reason: 'closed by the client' });
      socket.terminate();
    },
  };
}
