// Running in the background without -n. Node cannot fork, so the foreground process starts a
// detached copy of itself (new session, stdio on /dev/null) and waits on a pipe until that copy
// reports that it is up (pidfile written) or why it failed, then exits 0 or 2 as 4.2.5 would.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';

const CHILD_MARK = 'SUPERVISOR_TS_DAEMON_CHILD';
const REPORT_FD = 3;

/** True in the background copy. Removes the marker so programs we spawn never see it. */
export function isDaemonChild(): boolean {
  const mark = process.env[CHILD_MARK] === '1';
  delete process.env[CHILD_MARK];
  return mark;
}

/** In the foreground process: start the background copy and exit with its verdict. */
export function runDetachedCopy(): Promise<never> {
  return new Promise<never>(() => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      env: { ...process.env, [CHILD_MARK]: '1' },
    });
    let report = '';
    const pipe = child.stdio[REPORT_FD] as Readable;
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      report += chunk;
    });
    const finish = (fallbackCode: number): void => {
      if (report.startsWith('ok')) process.exit(0);
      const message = report.startsWith('error\n') ? report.slice('error\n'.length) : '';
      if (message) process.stderr.write(message);
      process.exit(message ? 2 : fallbackCode);
    };
    pipe.on('end', () => finish(report ? 0 : 1));
    child.on('exit', (code) => {
      // the pipe's end normally comes first; an early exit without a report is a crash
      if (!report) finish(code ?? 1);
    });
  });
}

/** In the background copy: tell the waiting foreground process how startup went. */
export function reportToParent(result: { ok: true } | { ok: false; message: string }): void {
  try {
    fs.writeSync(REPORT_FD, result.ok ? 'ok\n' : `error\n${result.message}`);
    fs.closeSync(REPORT_FD);
  } catch {
    // the foreground process is gone; nobody to tell
  }
}
