// The real supervisord 4.2.5 in a temp dir (unix socket with a {SHA} password, inet on a free
// 127.0.0.1 port), and runners for our supervisorctl and the real one with the same arguments.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { freePort } from '../helpers/daemon.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const OUR_CTL = path.join(REPO_ROOT, 'bin', 'supervisorctl.js');
export const REAL_CTL = '/usr/bin/supervisorctl';
export const REAL_SUPERVISORD = '/usr/bin/supervisord';
export const USER = 'alice';
export const PASSWORD = 'sesame';

export interface CtlRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

export { freePort };

/** Runs a supervisorctl (ours or 4.2.5's) to completion with `stdin` as its input. */
export function runCtl(which: 'ours' | 'real', args: string[], opts: { cwd: string; stdin?: string; timeoutMs?: number }): Promise<CtlRun> {
  const [file, argv] = which === 'ours' ? [process.execPath, [OUR_CTL, ...args]] : [REAL_CTL, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LANG: 'C.UTF-8' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${which} supervisorctl ${args.join(' ')} timed out; output so far: ${stdout}${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface RealDaemon {
  dir: string;
  conf: string;
  socket: string;
  port: number;
  child: ChildProcess;
  /** rewrites the config (for reread/update scenarios) */
  writeConfig(extraPrograms: string): void;
  waitUntilUp(): Promise<void>;
  stop(): Promise<void>;
}

export const PROGRAMS = `
[program:cat]
command=cat
startsecs=1

[program:out]
command=sh -c 'echo hello; echo oops >&2; exec sleep 1000'
startsecs=1

[program:multi]
command=sleep 1000
numprocs=2
process_name=%(program_name)s_%(process_num)02d
startsecs=0

[program:idle]
command=sleep 1000
autostart=false
startsecs=0

[program:nofile]
command=/no/such/file
autostart=false

[program:quick]
command=sh -c 'exit 3'
autostart=false
startsecs=1
startretries=0

[program:nolog]
command=sleep 1000
autostart=false
stdout_logfile=NONE
`;

/** `kind` picks the daemon: the real 4.2.5 one, or ours (bin/supervisord.js) on the same config. */
export async function startRealDaemon(extraPrograms = '', kind: 'real' | 'ours' = 'real'): Promise<RealDaemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-ctl-'));
  const conf = path.join(dir, 'supervisord.conf');
  const socket = path.join(dir, 'supervisor.sock');
  const port = await freePort();
  const sha = crypto.createHash('sha1').update(PASSWORD).digest('hex');
  const writeConfig = (extraPrograms: string): void =>
    fs.writeFileSync(
      conf,
      `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n\n` +
        `[unix_http_server]\nfile=${socket}\nusername=${USER}\npassword={SHA}${sha}\n\n` +
        `[inet_http_server]\nport=127.0.0.1:${port}\nusername=${USER}\npassword=${PASSWORD}\n\n` +
        `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n` +
        `[supervisorctl]\nserverurl=unix://${socket}\nusername=${USER}\npassword=${PASSWORD}\n` +
        PROGRAMS +
        extraPrograms,
    );
  writeConfig(extraPrograms);
  const [file, argv] = kind === 'real' ? [REAL_SUPERVISORD, []] : [process.execPath, [path.join(REPO_ROOT, 'bin', 'supervisord.js')]];
  const child = spawn(file, [...argv, '-n', '-c', conf], { cwd: dir, stdio: 'ignore' });
  const daemon: RealDaemon = {
    dir,
    conf,
    socket,
    port,
    child,
    writeConfig,
    async waitUntilUp() {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const run = await runCtl('real', ['-c', conf, 'status'], { cwd: dir });
        // the autostarted fixtures are RUNNING (so outputs do not depend on when a test starts)
        if (/^cat +RUNNING/m.test(run.stdout) && /^out +RUNNING/m.test(run.stdout) && /^multi:multi_01 +RUNNING/m.test(run.stdout)) return;
        if (Date.now() > deadline) throw new Error(`supervisord did not come up: ${run.stdout}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await daemon.waitUntilUp();
  return daemon;
}

/** Removes what legitimately differs between two runs: pids, uptimes, dates, temp paths, program paths. */
export function normalize(text: string, dir: string): string {
  return text
    .split(dir)
    .join('<DIR>')
    .replace(/For help, use \S+ -h/g, 'For help, use <PROG> -h')
    .replace(/Usage: \S+ \[options\]/g, 'Usage: <PROG> [options]')
    .replace(/pid \d+, uptime [\d:]+/g, 'pid <PID>, uptime <UPTIME>')
    .replace(/[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M/g, '<DATE>')
    .replace(/^\d+$/gm, '<PID>')
    .replace(/-supervisor-[a-z0-9_]+\.log/g, '-supervisor-<RAND>.log');
}
