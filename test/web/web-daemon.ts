// A real daemon for the web tests: an authenticated [inet_http_server] on a free 127.0.0.1 port
// (what browsers and ws clients use) and a [unix_http_server] for driving it over XML-RPC.
import path from 'node:path';
import { makeTempDir, startDaemon, writeConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/parity.js';

export const USER = 'admin';
export const PASSWORD = 's3cret';
export const AUTH_HEADER = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

export interface WebDaemon {
  daemon: RunningDaemon;
  port: number;
  /** the unix socket for rpcCall */
  socket: string;
  dir: string;
}

/** `auth: false` leaves the inet server without a password (the quickstart's setup); `inet` adds keys to its section. */
export async function startWebDaemon(programs: string, options: { auth?: boolean; inet?: string } = {}): Promise<WebDaemon> {
  const dir = makeTempDir('sv-web-');
  const port = await freePort();
  const socket = path.join(dir, 'supervisor.sock');
  const auth = options.auth ?? true ? `username=${USER}\npassword=${PASSWORD}\n` : '';
  const conf = writeConfig(
    dir,
    `[inet_http_server]\nport=127.0.0.1:${port}\n${auth}${options.inet ?? ''}` +
      `[unix_http_server]\nfile=${socket}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      programs,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  await daemon.waitForLog(/supervisord started with pid/);
  return { daemon, port, socket, dir };
}
