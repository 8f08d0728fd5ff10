// Runs our supervisord (bin/supervisord.js, the file users run) as a real process in a temp dir,
// and reads its main log, for integration tests of the daemon as a whole.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SUPERVISORD_BIN = path.join(REPO_ROOT, 'bin', 'supervisord.js');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export function makeTempDir(prefix = 'sv-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A minimal [supervisord] section writing everything inside `dir`, plus the given sections. */
export function writeConfig(dir: string, body: string, supervisordExtra = ''): string {
  const file = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    file,
    `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n${supervisordExtra}\n${body}\n`,
  );
  return file;
}

export interface RunningDaemon {
  child: ChildProcess;
  dir: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  mainLog: () => string;
  /** resolves when the main log has a line matching `pattern` (polls the file; rejects after timeoutMs) */
  waitForLog: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  stop: () => Promise<void>;
}

/** The real 4.2.5, for `daemon` in startDaemon's options when a test compares the two side by side. */
export const REFERENCE_DAEMON = ['/usr/bin/supervisord'];

export function startDaemon(
  dir: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; detached?: boolean; launcher?: string[]; daemon?: string[] } = {},
): RunningDaemon {
  // a launcher that execs (prlimit, unshare -f excepted) keeps the daemon's pid the one we see;
  // `daemon` replaces our supervisord (4.2.5's, or another copy of ours)
  const [file, ...prefix] = [...(options.launcher ?? []), ...(options.daemon ?? [process.execPath, SUPERVISORD_BIN])];
  const child = spawn(file!, [...prefix, ...args], {
    cwd: dir,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const mainLog = (): string => {
    try {
      return fs.readFileSync(path.join(dir, 'supervisord.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const waitForLog = (pattern: RegExp, timeoutMs = 10_000): Promise<string> => waitFor(() => mainLog().match(pattern)?.[0], timeoutMs, `log line ${pattern}\n--- log:\n${mainLog()}\n--- output:\n${out}`);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  return { child, dir, output: () => out, exited, mainLog, waitForLog, stop };
}

/**
 * A [program:x] section with `keys` must stop supervisord at load: exit status 2 and `message` in
 * its output. Returns that output.
 */
export async function expectProgramConfigError(keys: string, message: RegExp): Promise<string> {
  const dir = makeTempDir();
  try {
    const conf = writeConfig(dir, `[program:x]\ncommand=/bin/true\n${keys}\n`);
    const daemon = startDaemon(dir, ['-n', '-c', conf]);
    const { code } = await daemon.exited;
    const out = daemon.output();
    if (code !== 2 || !message.test(out)) throw new Error(`${keys}: expected exit 2 and ${message}, got exit ${code}:\n${out}`);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `probe` every 20 ms until it returns a value; rejects with `what` after timeoutMs. */
export async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the processes whose parent is `ppid`, from /proc. */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** A TCP port free on 127.0.0.1 right now (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:PORT/PATH, resolving with the body. */
export function httpGet(port: number, urlPath = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** The JSON lines of a file a process may still be appending to: whole lines only, [] while it is missing. */
export function readJsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as T);
}
