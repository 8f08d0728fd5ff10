// Opening and closing the HTTP servers of [inet_http_server] and [unix_http_server] as 4.2.5's
// make_http_servers does: inet first, then unix; the unix socket bound under a temporary name,
// chmod'ed, then linked into place and chown'ed; a stale socket unlinked, a live one an error.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import type { Config, InetServerConfig, ProbeServerConfig, UnixServerConfig } from '../config/types.js';
import type { Credentials } from './auth.js';
import { Dispatcher } from './dispatcher.js';
import { DEFAULT_MAX_BODY_BYTES, makeRequestHandler, makeUpgradeHandler, OPEN_GUARD, type HandlerContext, type ServerGuard } from './http-handler.js';
import { hostAllowed } from '../web/request-origin.js';
import { makeProbeOnlyHandler } from './probes.js';
import { SupervisorNamespace, type RpcHost } from './supervisor-namespace.js';
import { SocketKeeper } from './socket-keeper.js';
import { registerSystemNamespace } from './system-namespace.js';
import type { WebFrontend } from '../web/frontend.js';
import type { MetricsRenderer } from '../metrics/daemon-metrics.js';

// the loader reports factories as dotted paths; 4.2.5's own is written either way in configs
const MAIN_RPC_FACTORIES = new Set(['supervisor.rpcinterface:make_main_rpcinterface', 'supervisor.rpcinterface.make_main_rpcinterface']);
// 4.2.5 keeps idle client connections for up to 30 minutes (its zombie sweep)
const IDLE_CONNECTION_MS = 30 * 60 * 1000;
// a new connection has this long to send its first request's headers (clients send them at once);
// Node's own headersTimeout (60 s, checked every 30 s) covers the later requests of a kept-alive one
const FIRST_REQUEST_MS = 15_000;
// how long a client answered 400/408 may go on sending before its connection is cut
const CLIENT_ERROR_LINGER_MS = 2_000;
const STALE_SOCKET_RETRY_MS = 300;

/** A server could not be opened; the daemon exits 2 with this message, as 4.2.5 does. */
export class HttpServerStartError extends Error {
  readonly code = 'SUP_ERR_HTTP_LISTEN';
  constructor(message: string) {
    super(message);
    this.name = 'HttpServerStartError';
  }
}

const ADDRESS_IN_USE =
  'Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.';

export interface RpcServerOptions {
  /** default DEFAULT_MAX_BODY_BYTES (4 MiB) */
  maxBodyBytes?: number;
  /** the web page and /events on the same servers and auth; absent = RPC and log tails only */
  web?: WebFrontend;
  /** GET /metrics (Prometheus text format) on the same servers and auth; absent = 404 */
  metrics?: MetricsRenderer;
}

export interface RpcServers {
  /** Stop listening, drop open connections, remove the unix socket files. */
  close(): Promise<void>;
  /** Bind again every unix socket whose file was removed under us (SIGUSR2 asks for this). */
  restoreSockets(): Promise<void>;
}

function credentialsOf(section: InetServerConfig | UnixServerConfig): Credentials | null {
  return section.username === null ? null : { username: section.username, password: section.password ?? '' };
}

function buildDispatcher(config: Config, host: RpcHost): Dispatcher {
  const dispatcher = new Dispatcher(host.logger);
  registerSystemNamespace(dispatcher);
  const namespace = new SupervisorNamespace(host);
  for (const rpc of config.server.rpcinterface) {
    if (MAIN_RPC_FACTORIES.has(rpc.factory)) namespace.register(dispatcher, rpc.name);
  }
  return dispatcher;
}

function logInterfaces(config: Config, host: RpcHost): void {
  for (const rpc of config.server.rpcinterface) {
    if (MAIN_RPC_FACTORIES.has(rpc.factory)) host.logger.info(`RPC interface '${rpc.name}' initialized`);
    else host.logger.warn(`RPC interface '${rpc.name}' not initialized: factory ${rpc.factory} is not supported (only supervisor.rpcinterface:make_main_rpcinterface)`);
  }
}

function listen(server: http.Server, target: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(err);
    server.once('error', onError);
    // a unix socket is created by bind(), inside this synchronous call: with umask 077 it is
    // never reachable by others, even in the moment before it is chmod'ed to the configured mode
    const previousUmask = 'path' in target ? process.umask(0o077) : null;
    try {
      server.listen({ ...target, backlog: 1024 }, () => {
        server.off('error', onError);
        resolve();
      });
    } finally {
      if (previousUmask !== null) process.umask(previousUmask);
    }
  });
}

function listenFailure(err: NodeJS.ErrnoException): HttpServerStartError {
  if (err.code === 'EADDRINUSE') return new HttpServerStartError(ADDRESS_IN_USE);
  return new HttpServerStartError(`Cannot open an HTTP server: socket.error reported ${err.code ?? 'error'}`);
}

async function openInet(section: InetServerConfig | ProbeServerConfig, handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  let host = section.host === '' || section.host === '*' ? '0.0.0.0' : section.host;
  if (net.isIP(host) === 0) {
    // 4.2.5's servers are IPv4 only
    try {
      host = (await dns.lookup(host, { family: 4 })).address;
    } catch {
      throw new HttpServerStartError(`Cannot open an HTTP server: cannot resolve host ${section.host}`);
    }
  }
  try {
    await listen(server, { host, port: section.port });
  } catch (err) {
    throw listenFailure(err as NodeJS.ErrnoException);
  }
  return server;
}

/** 127.0.0.0/8 and ::1: only local users reach a server bound there. */
function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === '::ffff:127.0.0.1';
}

// true when something answers on the socket file
function socketAnswers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => {
      socket.end('GET / HTTP/1.0\r\n\r\n');
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function openUnix(section: UnixServerConfig, handler: http.RequestListener): Promise<http.Server> {
  const { file } = section;
  if (fs.existsSync(file)) {
    if (await socketAnswers(file)) throw new HttpServerStartError(ADDRESS_IN_USE);
    process.stderr.write(`Unlinking stale socket ${file}\n`);
    fs.rmSync(file, { force: true });
    await new Promise((r) => setTimeout(r, STALE_SOCKET_RETRY_MS));
  }
  const temporary = `${file}.${process.pid}`;
  fs.rmSync(temporary, { force: true });
  const server = http.createServer(handler);
  try {
    await listen(server, { path: temporary });
    fs.chmodSync(temporary, section.chmod);
    fs.linkSync(temporary, file);
  } catch (err) {
    server.close();
    throw listenFailure(err as NodeJS.ErrnoException);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  const [uid, gid] = section.chown;
  if (uid !== null || gid !== null) {
    try {
      fs.chownSync(file, uid ?? -1, gid ?? -1);
    } catch {
      server.close();
      fs.rmSync(file, { force: true });
      throw new HttpServerStartError(
        `Not permitted to chown ${file} to uid/gid (${uid ?? -1}, ${gid ?? -1}); adjust "sockchown" value in config file or on command line to values that the current user (${os.userInfo().username}) can successfully chown`,
      );
    }
  }
  return server;
}

const CLIENT_ERRORS = { 400: 'Bad Request', 408: 'Request Timeout' } as const;
const answered = new WeakSet<Duplex>();

/**
 * Answers a client that cannot be served and closes its connection for good. Ending our side is
 * not enough: the connection stays half-closed, holding a descriptor, for as long as the client
 * keeps its own side open, and a client that says nothing can do that forever.
 */
function answerAndClose(socket: Duplex, status: keyof typeof CLIENT_ERRORS): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // never in the middle of an answer already going out (a bad request pipelined behind it)
  const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (!inFlight?.headersSent) socket.end(`HTTP/1.1 ${status} ${CLIENT_ERRORS[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // a moment for a client still sending to finish and read the answer (closing with its bytes
  // unread resets the connection, and the answer may be lost), then the descriptor is ours again
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}

/** A connection that sends no complete request headers within FIRST_REQUEST_MS is answered 408 and closed. */
function limitFirstRequest(server: http.Server): void {
  const waiting = new WeakMap<Duplex, NodeJS.Timeout>();
  server.on('connection', (socket: net.Socket) => {
    waiting.set(socket, setTimeout(() => answerAndClose(socket, 408), FIRST_REQUEST_MS).unref());
    socket.once('close', () => clearTimeout(waiting.get(socket)));
  });
  const started = (req: http.IncomingMessage): void => clearTimeout(waiting.get(req.socket));
  server.on('request', started);
  server.on('upgrade', started);
}

/** Browsers cannot reach a unix socket, and DNS rebinding cannot pass a password: only an inet server without one checks Host. */
function guardOf(section: InetServerConfig | UnixServerConfig): ServerGuard {
  if ('file' in section || section.username !== null) return OPEN_GUARD;
  const { host, allowedHosts } = section;
  return {
    hostAllowed: (header) => hostAllowed(header, host, allowedHosts),
    hostAdvice: `add it to allowed_hosts= in [${section.section}] (or set username= and password=)`,
  };
}

/**
 * Open every configured server, each serving /RPC2 and the log tails. With no server section there
 * is no RPC at all, as in 4.2.5. Throws HttpServerStartError (the daemon exits 2).
 */
export async function openRpcServers(config: Config, host: RpcHost, options: RpcServerOptions = {}): Promise<RpcServers> {
  const dispatcher = buildDispatcher(config, host);
  const ctx: HandlerContext = {
    dispatcher,
    supervisor: host.supervisor,
    logger: host.logger,
    mainLogfile: host.mainLogfile,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    web: options.web ?? null,
    metrics: options.metrics ?? null,
  };
  const opened: http.Server[] = [];
  // unix servers replaced after their file was removed: closed already, their connections may be open
  const retired: http.Server[] = [];
  const keepers: SocketKeeper[] = [];
  const closeAll = async (): Promise<void> => {
    // the keepers stop watching first, then remove the socket files that are still ours
    for (const keeper of keepers) keeper.close();
    for (const server of retired) server.closeAllConnections();
    await Promise.all(
      opened.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  };
  const serve = (server: http.Server, section: InetServerConfig | UnixServerConfig): http.Server => {
    server.keepAliveTimeout = IDLE_CONNECTION_MS;
    limitFirstRequest(server);
    server.on('upgrade', makeUpgradeHandler(ctx, credentialsOf(section), guardOf(section)));
    // a client error (bad request line, oversized headers: 400; headers or body too slow: 408)
    // never reaches us as an exception
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerAndClose(socket, err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400));
    return server;
  };
  const sections: (InetServerConfig | UnixServerConfig)[] = [...config.server.inet_http_server, ...config.server.unix_http_server];
  try {
    for (const section of sections) {
      let networkAddress: net.AddressInfo | null = null;
      const handler = makeRequestHandler(ctx, credentialsOf(section), guardOf(section));
      if ('file' in section) {
        const first = serve(await openUnix(section, handler), section);
        opened.push(first);
        let current = first;
        keepers.push(
          new SocketKeeper({
            file: section.file,
            logger: host.logger,
            rebind: async () => serve(await openUnix(section, handler), section),
            replaced: (next) => {
              // the old one stops accepting (its socket has no name left) but keeps its connections
              current.close();
              retired.push(current);
              opened[opened.indexOf(current)] = next;
              current = next;
            },
          }),
        );
      } else {
        const server = serve(await openInet(section, handler), section);
        opened.push(server);
        networkAddress = server.address() as net.AddressInfo;
      }
      logInterfaces(config, host);
      if (section.username === null) host.logger.critical(`Server '${section.section}' running without any HTTP authentication checking`);
      if (section.username === null && networkAddress !== null && !isLoopback(networkAddress.address)) {
        // 4.2.5 starts such a server with the line above only; existing configs must keep working,
        // so we do too, and say plainly what it means (docs/security.md)
        const { address, port } = networkAddress;
        host.logger.critical(
          `Server '${section.section}' on ${address}:${port} accepts requests from the network without a password: anyone who can reach this port can stop, start, signal and read the output of every program and shut supervisord down. Set username= and password= in [${section.section}], or listen on 127.0.0.1`,
        );
      }
    }
    for (const section of config.server.probe_http_server) {
      const server = await openInet(section, makeProbeOnlyHandler(host.supervisor));
      // no keep-alive worth keeping: a kubelet opens a new connection for every probe
      server.keepAliveTimeout = 5_000;
      limitFirstRequest(server);
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerAndClose(socket, err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400));
      opened.push(server);
      const { address, port } = server.address() as net.AddressInfo;
      host.logger.info(`Server '${section.section}' on ${address}:${port} answers /livez and /readyz without authentication, and nothing else`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return {
    close: closeAll,
    restoreSockets: async () => {
      await Promise.all(keepers.map((keeper) => keeper.restore()));
    },
  };
}
