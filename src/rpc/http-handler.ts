// One request of any of our HTTP servers (rpc.md 2.1): authentication, then /RPC2 (POST, XML-RPC),
// /livez and /readyz (GET, probes.ts), /logtail/... and /mainlogtail (GET, streaming), /metrics
// (GET, Prometheus text format), then the web page (src/web); anything else is 404.
// WebSocket upgrades pass the same authentication before the web layer sees them.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../process/supervisor.js';
import { decodeMethodCall, encodeFault, encodeResponse, XmlRpcError } from '../xmlrpc/index.js';
import { checkAuthorization, type Credentials } from './auth.js';
import type { Dispatcher } from './dispatcher.js';
import { callingFrom } from './caller.js';
import { RpcFault } from './faults.js';
import { sendError } from './http-errors.js';
import { followFile } from './logtail.js';
import { answerProbe, isProbePath } from './probes.js';
import { refuse, type WebFrontend } from '../web/frontend.js';
import { fromOtherOrigin } from '../web/request-origin.js';
import type { MetricsRenderer } from '../metrics/daemon-metrics.js';

/** Largest request body accepted; a bigger one is refused with 413 before it is read. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface HandlerContext {
  dispatcher: Dispatcher;
  supervisor: Supervisor;
  logger: Logger;
  mainLogfile: string;
  maxBodyBytes: number;
  /** the status page and /events; null = no web layer (404 and refused upgrades) */
  web: WebFrontend | null;
  /** GET /metrics; null = 404 */
  metrics: MetricsRenderer | null;
}

function decodedPath(url: string): string | null {
  try {
    return decodeURIComponent(url);
  } catch {
    return null;
  }
}

/**
 * Calls `then` once the request body has been read and discarded (at once past `limit` bytes, or
 * after `waitMs` when given).
 */
function afterBody(req: IncomingMessage, limit: number, then: () => void, waitMs: number | null = null): void {
  let seen = 0;
  let done = false;
  const timer = waitMs === null ? null : setTimeout(() => finish(), waitMs).unref();
  const finish = (): void => {
    if (done) return;
    done = true;
    if (timer !== null) clearTimeout(timer);
    then();
  };
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > limit) finish();
  });
  req.on('end', finish);
  req.on('error', finish);
}

// A client refused before it is let in (401, 421, 403) may not hold its connection open by sending
// a large body slowly: its body is waited for briefly only. A client sends a small body (supervisorctl's
// calls are a few KiB) together with its headers, so this still answers it after the whole body and
// it reads the answer instead of a broken pipe.
const REFUSED_BODY_BYTES = 64 * 1024;
const REFUSED_BODY_WAIT_MS = 1_000;

/** Answers a refused request once its (small) body is in, or soon; closes the connection if the body is not. */
function refuseAfterBody(req: IncomingMessage, res: ServerResponse, answer: () => void): void {
  afterBody(
    req,
    REFUSED_BODY_BYTES,
    () => {
      // the rest of the body would have to be read before a next request on this connection
      if (!req.complete) res.setHeader('Connection', 'close');
      answer();
    },
    REFUSED_BODY_WAIT_MS,
  );
}

/**
 * What a server checks before authentication: the Host names it answers (null = any: a unix socket,
 * or a server with a password, which DNS rebinding cannot use). See request-origin.ts.
 */
export interface ServerGuard {
  hostAllowed: ((host: string | undefined) => boolean) | null;
  /** what the 421 says to do about a refused name */
  hostAdvice: string;
}

export const OPEN_GUARD: ServerGuard = { hostAllowed: null, hostAdvice: '' };

function misdirected(guard: ServerGuard, host: string | undefined): string | null {
  if (guard.hostAllowed === null || guard.hostAllowed(host)) return null;
  return `Host ${JSON.stringify(host)} is not a name this server answers to without a password; ${guard.hostAdvice}\n`;
}

function sendMisdirected(res: ServerResponse, text: string): void {
  res.writeHead(421, 'Misdirected Request', { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text);
}

export function makeRequestHandler(ctx: HandlerContext, credentials: Credentials | null, guard: ServerGuard = OPEN_GUARD): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const wrongHost = misdirected(guard, req.headers.host);
    if (wrongHost !== null) {
      refuseAfterBody(req, res, () => sendMisdirected(res, wrongHost));
      return;
    }
    const auth = checkAuthorization(req.headers.authorization, credentials);
    if (auth !== 'ok') {
      // answer once the client has sent its body: closing while it still writes makes it see a
      // broken pipe instead of the 401 (the Python client then prints the wrong error)
      refuseAfterBody(req, res, () => sendError(res, auth === 'unauthorized' ? 401 : 400));
      return;
    }
    // a page of another origin may not act: its browser would attach what it has for us
    if (req.method !== 'GET' && req.method !== 'HEAD' && fromOtherOrigin(req.headers)) {
      refuseAfterBody(req, res, () => sendError(res, 403));
      return;
    }
    const path = decodedPath(req.url ?? '/');
    if (path !== null && path.startsWith('/RPC2') && req.method === 'POST') {
      handleXmlRpc(ctx, req, res);
      return;
    }
    // every other answer ignores the body: read and drop it first, as for a 401, so that a
    // connection closed after the answer (HTTP/1.0, Connection: close) is not reset with the
    // client's bytes unread, which can lose the answer
    afterBody(req, ctx.maxBodyBytes, () => route(ctx, path, req, res));
  };
}

/** Everything but an XML-RPC call: the probes, the log tails, the web layer, and the errors. */
function route(ctx: HandlerContext, path: string | null, req: IncomingMessage, res: ServerResponse): void {
  if (path === null || path.startsWith('/RPC2')) {
    sendError(res, 400);
  } else if (isProbePath(path)) {
    answerProbe(ctx.supervisor, path, req, res);
  } else if (path.startsWith('/logtail')) {
    if (req.method !== 'GET') sendError(res, 400);
    else handleProcessTail(ctx, path, res);
  } else if (path.startsWith('/mainlogtail')) {
    if (req.method !== 'GET') sendError(res, 400);
    else if (!fs.existsSync(ctx.mainLogfile)) sendError(res, 404);
    else followFile(ctx.mainLogfile, res, {});
  } else if (ctx.metrics !== null && path.split('?')[0] === '/metrics') {
    handleMetrics(ctx, ctx.metrics, req, res);
  } else if (!ctx.web?.handleRequest(req, res)) {
    sendError(res, 404);
  }
}

export function makeUpgradeHandler(ctx: HandlerContext, credentials: Credentials | null, guard: ServerGuard = OPEN_GUARD): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const wrongHost = misdirected(guard, req.headers.host);
    const auth = wrongHost === null ? checkAuthorization(req.headers.authorization, credentials) : 'ok';
    if (wrongHost !== null) refuse(socket, 421, 'Misdirected Request', wrongHost.trimEnd());
    else if (auth === 'unauthorized') refuse(socket, 401, 'Unauthorized', 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="default"' });
    // a browser always sends Origin with a WebSocket: a page of another origin gets no live view nor actions
    else if (fromOtherOrigin(req.headers)) refuse(socket, 403, 'Forbidden', 'WebSocket connections are accepted only from pages of this server');
    else if (auth === 'bad-request') refuse(socket, 400, 'Bad Request');
    else if (ctx.web === null) refuse(socket, 404, 'Not Found');
    else ctx.web.handleUpgrade(req, socket, head);
  };
}

function handleProcessTail(ctx: HandlerContext, path: string, res: ServerResponse): void {
  const [, , namespec = '', channel = 'stdout'] = path.split('?')[0]!.split('/');
  let logfile = '';
  try {
    const { process: proc } = ctx.supervisor.resolve(namespec);
    if (proc !== null && (channel === 'stdout' || channel === 'stderr')) {
      const info = proc.getInfo();
      logfile = channel === 'stdout' ? info.stdout_logfile : info.stderr_logfile;
    }
  } catch {
    // unknown name: 404 below
  }
  if (logfile === '' || !fs.existsSync(logfile)) sendError(res, 404);
  else followFile(logfile, res, { 'X-Accel-Buffering': 'no' });
}

function handleMetrics(ctx: HandlerContext, metrics: MetricsRenderer, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendError(res, 405);
    return;
  }
  metrics.render().then(
    ({ contentType, text }) => {
      if (res.destroyed) return;
      const body = Buffer.from(text, 'utf8');
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => {
      ctx.logger.error(`rendering /metrics failed: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, 500);
    },
  );
}

function handleXmlRpc(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  const declared = req.headers['content-length'];
  if (declared === undefined) {
    sendError(res, 411);
    req.resume();
    return;
  }
  if (Number(declared) > ctx.maxBodyBytes) {
    ctx.logger.error(`XML-RPC request body of ${declared} bytes refused: the limit is ${ctx.maxBodyBytes}`);
    res.setHeader('Connection', 'close');
    sendError(res, 413);
    // the body is dropped unread and Node closes the connection once the answer is written
    // (Connection: close); destroying it at once reset the connection with the 413 often still
    // unsent. A client that writes its whole body before reading may still see only the reset.
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > ctx.maxBodyBytes) {
      sendError(res, 413);
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (received > ctx.maxBodyBytes) return;
    void answerXmlRpc(ctx, Buffer.concat(chunks).toString('utf8'), req.socket, res);
  });
  req.on('error', () => res.destroy());
}

async function answerXmlRpc(ctx: HandlerContext, body: string, connection: object, res: ServerResponse): Promise<void> {
  let call: ReturnType<typeof decodeMethodCall>;
  try {
    call = decodeMethodCall(body);
  } catch (err) {
    const why = err instanceof XmlRpcError ? `${err.code}: ${err.message}` : String(err);
    ctx.logger.error(`XML-RPC request data ${JSON.stringify(body.slice(0, 200))} is invalid: unmarshallable (${why})`);
    sendError(res, 400);
    return;
  }
  if (!call.methodName) {
    ctx.logger.error(`XML-RPC request data ${JSON.stringify(body.slice(0, 200))} is invalid: no method name`);
    sendError(res, 400);
    return;
  }
  let payload: string;
  try {
    const { methodName, params } = call;
    payload = encodeResponse(await callingFrom(connection, () => ctx.dispatcher.callLogged(methodName, params)));
  } catch (err) {
    if (err instanceof RpcFault) {
      payload = encodeFault(err.code, err.text);
    } else {
      ctx.logger.critical(`Handling XML-RPC request ${call.methodName}() raised an unexpected exception: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, 500);
      return;
    }
  }
  if (res.destroyed) return;
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(payload, 'utf8') });
  // a string body goes out in one write(2) with the headers (a Buffer would make a writev of two)
  res.end(payload, 'utf8');
}
