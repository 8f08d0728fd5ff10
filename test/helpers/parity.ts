// Parity harness: our supervisord and the real 4.2.5 (/usr/bin/supervisord) started on the same
// generated config, each in its own temp dir with its own unix socket and free 127.0.0.1 port; a
// client command (the real supervisorctl by default, or ours) run against each; outputs
// normalized (pids, uptimes, times, temp paths, ports) so they can be compared exactly.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, makeTempDir, REPO_ROOT, SUPERVISORD_BIN } from './daemon.js';

export const REFERENCE_SUPERVISORD = '/usr/bin/supervisord';
export const REFERENCE_SUPERVISORCTL = '/usr/bin/supervisorctl';
export const OUR_SUPERVISORCTL = path.join(REPO_ROOT, 'bin', 'supervisorctl.js');

export type DaemonKind = 'ours' | 'reference';

export interface ParityDaemon {
  kind: DaemonKind;
  dir: string;
  configFile: string;
  /** unix socket path */
  socket: string;
  port: number;
  unixUrl: string;
  inetUrl: string;
  child: ChildProcess;
  /** rewrite the config (same template, {DIR} and {PORT} expanded) for reread/update scenarios */
  writeConfig: (programs: string) => void;
  mainLog: () => string;
}

export interface ParityOptions {
  /** [inet_http_server] credentials; password may be "{SHA}..." */
  inetAuth?: { username: string; password: string };
  /** [unix_http_server] credentials */
  unixAuth?: { username: string; password: string };
  /** extra [supervisord] lines */
  supervisordExtra?: string;
}

export interface ParityPair {
  ours: ParityDaemon;
  reference: ParityDaemon;
  both: [ParityDaemon, ParityDaemon];
  stop: () => Promise<void>;
}

export interface CtlResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** A port that was free a moment ago on 127.0.0.1. */
export { freePort };

function authLines(auth: { username: string; password: string } | undefined): string {
  return auth ? `username=${auth.username}\npassword=${auth.password}\n` : '';
}

/**
 * The config both daemons run. `programs` holds the program/group sections; `{DIR}` in it becomes
 * the daemon's temp dir. supervisorctl's own section points at the unix socket.
 */
function renderConfig(dir: string, port: number, programs: string, options: ParityOptions): string {
  return `[supervisord]
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}
${options.supervisordExtra ?? ''}

[unix_http_server]
file=${dir}/sock
${authLines(options.unixAuth)}
[inet_http_server]
port=127.0.0.1:${port}
${authLines(options.inetAuth)}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/sock
${authLines(options.unixAuth)}
${programs.replaceAll('{DIR}', dir)}
`;
}

/** GET / over the unix socket answers once the daemon serves (any status will do). */
function socketServes(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, path: '/ok', method: 'GET' }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function waitUntilServing(daemon: ParityDaemon, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.child.exitCode !== null) throw new Error(`${daemon.kind} supervisord exited ${daemon.child.exitCode}:\n${daemon.mainLog()}`);
    if (fs.existsSync(daemon.socket) && (await socketServes(daemon.socket))) return;
    if (Date.now() > deadline) throw new Error(`${daemon.kind} supervisord did not serve within ${timeoutMs} ms:\n${daemon.mainLog()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** POST a raw XML-RPC body over the daemon's unix socket; resolves with the status and body. */
export function postRpc(daemon: ParityDaemon, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: daemon.socket, path: '/RPC2', method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits until supervisor.getState answers RUNNING (after a reload both daemons pass through SHUTDOWN_STATE faults). */
export async function waitUntilRunning(daemon: ParityDaemon, timeoutMs = 15_000): Promise<void> {
  const call = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n<params>\n</params>\n</methodCall>\n";
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await postRpc(daemon, call).catch(() => null);
    if (answer?.body.includes('<string>RUNNING</string>')) return;
    if (Date.now() > deadline) throw new Error(`${daemon.kind} supervisord did not get back to RUNNING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startOne(kind: DaemonKind, programs: string, options: ParityOptions): Promise<ParityDaemon> {
  const dir = makeTempDir(`sv-parity-${kind === 'ours' ? 'o' : 'r'}-`);
  const port = await freePort();
  const configFile = path.join(dir, 'supervisord.conf');
  const writeConfig = (text: string): void => fs.writeFileSync(configFile, renderConfig(dir, port, text, options));
  writeConfig(programs);
  const [file, args] =
    kind === 'ours' ? [process.execPath, [SUPERVISORD_BIN, '-n', '-c', configFile]] : [REFERENCE_SUPERVISORD, ['-n', '-c', configFile]];
  const child = spawn(file, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  const daemon: ParityDaemon = {
    kind,
    dir,
    configFile,
    socket: path.join(dir, 'sock'),
    port,
    unixUrl: `unix://${dir}/sock`,
    inetUrl: `http://127.0.0.1:${port}`,
    child,
    writeConfig,
    mainLog: () => {
      try {
        return fs.readFileSync(path.join(dir, 'supervisord.log'), 'utf8');
      } catch {
        return '';
      }
    },
  };
  await waitUntilServing(daemon);
  return daemon;
}

async function stopDaemon(daemon: ParityDaemon): Promise<void> {
  const { child } = daemon;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(daemon.dir, { recursive: true, force: true });
}

/** Start ours and 4.2.5 on the same programs; both serve when this resolves. */
export async function startParityPair(programs: string, options: ParityOptions = {}): Promise<ParityPair> {
  const [ours, reference] = await Promise.all([startOne('ours', programs, options), startOne('reference', programs, options)]);
  return { ours, reference, both: [ours, reference], stop: async () => void (await Promise.all([stopDaemon(ours), stopDaemon(reference)])) };
}

export interface CtlOptions {
  /** the client's argv before the daemon options; default the real supervisorctl */
  client?: string[];
  /** where the client connects: the config's unix URL (default) or inet with -s */
  via?: 'unix' | 'inet';
  /** -u/-p for inet */
  auth?: { username: string; password: string };
  stdin?: string;
  timeoutMs?: number;
}

/** Run one client command against a daemon. */
export function runCtl(daemon: ParityDaemon, args: string[], options: CtlOptions = {}): Promise<CtlResult> {
  const [file, ...prefix] = options.client ?? [REFERENCE_SUPERVISORCTL];
  const target = options.via === 'inet' ? ['-s', daemon.inetUrl] : [];
  const auth = options.auth ? ['-u', options.auth.username, '-p', options.auth.password] : [];
  const child = spawn(file!, [...prefix, '-c', daemon.configFile, ...target, ...auth, ...args], {
    cwd: daemon.dir,
    env: { ...process.env, LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    }),
  );
}

/** Replace what legitimately differs between two runs: temp dirs, ports, pids, uptimes, clock times. */
export function normalize(text: string, daemon: ParityDaemon): string {
  return text
    .replaceAll(daemon.dir, '<DIR>')
    .replaceAll(String(daemon.port), '<PORT>')
    .replace(/pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d/g, 'pid <PID>, uptime <UPTIME>')
    .replace(/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d [AP]M\b/g, '<TIME>')
    .replace(/^\d+$/gm, '<PID>');
}

export interface ParityOutcome {
  ours: CtlResult;
  reference: CtlResult;
}

/** Run the same command against both daemons at once; results normalized per daemon. */
export async function ctlBoth(pair: ParityPair, args: string[], options: CtlOptions = {}): Promise<ParityOutcome> {
  const [ours, reference] = await Promise.all(pair.both.map((d) => runCtl(d, args, options)));
  const norm = (r: CtlResult, d: ParityDaemon): CtlResult => ({ stdout: normalize(r.stdout, d), stderr: normalize(r.stderr, d), code: r.code });
  return { ours: norm(ours!, pair.ours), reference: norm(reference!, pair.reference) };
}
