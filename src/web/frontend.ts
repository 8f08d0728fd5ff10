// The web layer on our HTTP servers: the status and log pages, their WebSocket, and /events.
// Every entry point catches its own errors: the web layer never takes the daemon down.
// ws is loaded at the first WebSocket upgrade: a daemon whose pages are never opened does not pay
// for it (~3 MiB of private memory at start-up, docs/decisions/0020).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../process/supervisor.js';
import { parseEventFilter } from './event-filter.js';
import { streamEvents } from './events-endpoint.js';
import { PageHub } from './page-hub.js';
import { servePage } from './pages.js';
import { requestUrl } from './request-url.js';

export interface WebFrontendOptions {
  supervisor: Supervisor;
  bus: EventBus;
  logger: Logger;
}

/** Largest message a page may send (actions and follow requests are tiny). */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

export class WebFrontend {
  /** the WebSocket server, made at the first upgrade */
  private sockets: Promise<WebSocketServer> | null = null;
  /** the same, once made: close() ends its clients at once */
  private loaded: WebSocketServer | null = null;
  private readonly hub: PageHub;
  private closed = false;

  constructor(private readonly options: WebFrontendOptions) {
    this.hub = new PageHub(options.supervisor, options.logger);
  }

  private socketServer(): Promise<WebSocketServer> {
    this.sockets ??= import('ws').then(({ WebSocketServer }) => {
      const server = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
      // ws answers a handshake it refuses and destroys the socket at once: a client still sending
      // (a body) then gets a reset, often before it has read the answer. Refused here instead, with
      // the lingering close of refuse().
      server.on('wsClientError', (err: Error, socket: Duplex) => {
        if (err.message === 'Invalid HTTP method') refuse(socket, 405, 'Method Not Allowed', err.message, { Allow: 'GET' });
        else if (/Sec-WebSocket-Version/.test(err.message)) refuse(socket, 400, 'Bad Request', err.message, { 'Sec-WebSocket-Version': '13, 8' });
        else refuse(socket, 400, 'Bad Request', err.message);
      });
      this.loaded = server;
      return server;
    });
    return this.sockets;
  }

  /** Completes the WebSocket handshake on `socket` (once ws is loaded), then hands the connection to `attach`. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, attach: (ws: WebSocket) => void): void {
    this.socketServer().then(
      (server) => {
        try {
          // the run ended (or the client left) while ws was loading
          if (this.closed || socket.destroyed) socket.destroy();
          else server.handleUpgrade(req, socket, head, attach);
        } catch (err) {
          this.options.logger.error(`web socket upgrade failed: ${(err as Error).stack ?? String(err)}`);
          socket.destroy();
        }
      },
      (err: unknown) => {
        this.sockets = null; // the next upgrade tries again
        this.options.logger.error(`web socket upgrade failed: ${(err as Error)?.stack ?? String(err)}`);
        socket.destroy();
      },
    );
  }

  /** Answers a GET for one of the pages or assets; false when the path is not ours (the caller says 404). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    try {
      return servePage(req, res, this.options.supervisor);
    } catch (err) {
      this.options.logger.error(`web page ${req.url ?? ''} failed: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
      return true;
    }
  }

  /** An authenticated upgrade request: /events or the pages' /ws; anything else is refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const url = requestUrl(req.url);
      if (url === null) {
        refuse(socket, 400, 'Bad Request');
      } else if (url.pathname === '/events') {
        const filter = parseEventFilter(url.searchParams);
        if (typeof filter === 'string') return refuse(socket, 400, 'Bad Request', filter);
        this.upgrade(req, socket, head, (ws) => streamEvents(ws, this.options.bus, filter));
      } else if (url.pathname === '/ws') {
        this.upgrade(req, socket, head, (ws) => this.hub.attach(ws, peerOf(req)));
      } else {
        refuse(socket, 404, 'Not Found');
      }
    } catch (err) {
      this.options.logger.error(`web socket upgrade failed: ${(err as Error).stack ?? String(err)}`);
      socket.destroy();
    }
  }

  /** Ends every page and /events connection and the sampler (end of a run). */
  close(): void {
    this.closed = true;
    this.hub.close();
    if (this.loaded === null) return; // an upgrade still loading ws is refused when it is in
    for (const client of this.loaded.clients) client.terminate();
    this.loaded.close();
  }
}

/** The client's address and port, or the unix socket it came through. */
function peerOf(req: IncomingMessage): string {
  const { remoteAddress, remotePort } = req.socket;
  return remoteAddress === undefined ? 'the unix socket' : `${remoteAddress}:${remotePort ?? '?'}`;
}

/** How long a refused upgrade's client may go on sending before its connection is cut. */
const REFUSED_UPGRADE_LINGER_MS = 2000;

/** Answers an upgrade request with a plain HTTP error and closes the connection. */
export function refuse(socket: Duplex, status: number, reason: string, detail = reason, extraHeaders: Record<string, string> = {}): void {
  const body = `${detail}\n`;
  const headers = Object.entries({ 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...extraHeaders })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}\r\n${body}`);
  // Nothing reads an upgrade socket: a client still sending (a body) fills our receive window, its
  // FIN never arrives and the socket stays open for good, holding up the server's close. Read and
  // drop what it sends so that it can finish and close; cut off one that never does.
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_UPGRADE_LINGER_MS).unref();
}
