// GET routes of the web page: our pages and assets, the log download, and 4.2.5's paths mapped onto
// them so bookmarks keep working (rpc.md 10), including its ?action= links on index.html.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Supervisor } from '../process/supervisor.js';
import { runAction, type ActionRequest } from './actions.js';
import { userMadeNavigation } from './request-origin.js';
import { requestUrl } from './request-url.js';

// served from the source tree (dist/src/web -> src/web/assets): plain files, no build step
const ASSETS_DIR = fileURLToPath(new URL('../../../src/web/assets/', import.meta.url));
const ASSET_NAME = /^[a-z0-9-]+\.(html|css|js|svg)$/;
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html;charset=utf-8',
  css: 'text/css;charset=utf-8',
  js: 'text/javascript;charset=utf-8',
  svg: 'image/svg+xml',
};

function sendAsset(res: ServerResponse, name: string, method: string): boolean {
  if (!ASSET_NAME.test(name)) return false;
  let body: Buffer;
  try {
    body = fs.readFileSync(path.join(ASSETS_DIR, name));
  } catch {
    return false;
  }
  const ext = name.slice(name.lastIndexOf('.') + 1);
  res.writeHead(200, { 'Content-Type': CONTENT_TYPES[ext]!, 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A log file as an attachment named after the process. */
function sendDownload(res: ServerResponse, supervisor: Supervisor, query: URLSearchParams): void {
  const channel = query.get('channel') === 'stderr' ? 'stderr' : 'stdout';
  let file = '';
  try {
    const proc = supervisor.resolve(query.get('processname') ?? '').process;
    if (proc !== null) file = channel === 'stdout' ? proc.getInfo().stdout_logfile : proc.getInfo().stderr_logfile;
  } catch {
    // unknown name: 404 below
  }
  if (file === '' || !fs.existsSync(file)) return sendText(res, 404, 'No log file\n');
  const filename = `${query.get('processname')}-${channel}.log`.replace(/[^A-Za-z0-9._-]/g, '_');
  res.writeHead(200, { 'Content-Type': 'text/plain;charset=utf-8', 'Content-Disposition': `attachment; filename="${filename}"` });
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

// 4.2.5's success messages, shown in the page's status box after the redirect
const LEGACY_MESSAGES: Record<string, (name: string, now: string) => string> = {
  start: (name) => `Process ${name} started`,
  stop: (name) => `Process ${name} stopped`,
  restart: (name) => `Process ${name} restarted`,
  clearlog: (name) => `Log for ${name} cleared`,
  stopall: (_name, now) => `All stopped at ${now}`,
  restartall: (_name, now) => `All restarted at ${now}`,
};

/** 4.2.5's index.html?action=...: performed, then a redirect to the page with its message. */
function legacyAction(res: ServerResponse, supervisor: Supervisor, query: URLSearchParams): void {
  const action = query.get('action') ?? '';
  const name = query.get('processname') ?? '';
  const redirect = (message: string): void => {
    res.writeHead(301, { Location: `/?message=${encodeURIComponent(message)}`, 'Content-Length': 0 });
    res.end();
  };
  const now = new Date().toString();
  let request: ActionRequest;
  if (action === 'refresh') return redirect(`Page refreshed at ${now}`);
  if (action === 'stopall') request = { action: 'stop', scope: 'all', name: '' };
  else if (action === 'restartall') request = { action: 'restart', scope: 'all', name: '' };
  else if (action === 'start' || action === 'stop' || action === 'restart' || action === 'clearlog') request = { action, scope: 'process', name };
  else return redirect(`Unknown action ${action}`);
  const done = LEGACY_MESSAGES[action]!(name, now);
  runAction(supervisor, request).then(
    (result) => redirect(result.ok ? done : result.message),
    (err: unknown) => redirect(`ERROR: ${(err as Error).message}`),
  );
}

/** Answers the request when the path is one of the web page's; false otherwise. */
export function servePage(req: IncomingMessage, res: ServerResponse, supervisor: Supervisor): boolean {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  const url = requestUrl(req.url);
  if (url === null) return false;
  const route = url.pathname;
  if (route === '/' || route === '/index.html' || route === '/status.html') {
    if (url.searchParams.has('action')) {
      // an <img> or link on another site must not stop programs with the browser's credentials
      if (!userMadeNavigation(req.headers)) {
        sendText(res, 403, 'Not performed: this action link was not opened from this server\'s page or typed in the browser (Sec-Fetch-Site). Use the page\'s buttons, or XML-RPC from scripts.\n');
        return true;
      }
      legacyAction(res, supervisor, url.searchParams);
      return true;
    }
    return sendAsset(res, 'index.html', method);
  }
  if (route === '/tail.html') return sendAsset(res, 'tail.html', method);
  if (route === '/ok.html') {
    sendText(res, 200, 'OK');
    return true;
  }
  if (route === '/download') {
    sendDownload(res, supervisor, url.searchParams);
    return true;
  }
  if (route.startsWith('/assets/')) return sendAsset(res, route.slice('/assets/'.length), method);
  // 4.2.5's own stylesheet and images: ours stand in for them
  if (route.startsWith('/stylesheets/')) return sendAsset(res, 'app.css', method);
  if (route.startsWith('/images/')) return sendAsset(res, 'logo.svg', method);
  return false;
}
