// Lines to the local syslog. Node has no unix datagram sockets, so one long-lived util-linux
// `logger` child per daemon reads our lines on its stdin and sends each as one message, tagged
// "supervisord" at user.info as 4.2.5's syslog.syslog() does (see docs/decisions/0002).
import { spawn, type ChildProcess } from 'node:child_process';

/** Overrides the socket `logger` writes to (default /dev/log), for containers and tests. */
export const SYSLOG_SOCKET_ENV = 'SUPERVISOR_SYSLOG_SOCKET';

// Lines queued for a logger that does not keep up are dropped above this many bytes, never the daemon.
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
// A logger that died is started again no sooner than this.
const RESPAWN_DELAY_MS = 1000;
// rsyslog's default message size; longer lines are cut by logger, not split
const MAX_MESSAGE_BYTES = 8192;

export class SyslogWriter {
  private child: ChildProcess | null = null;
  private nextSpawn = 0;
  private troubleReported = false;
  private closed = false;

  constructor(
    private readonly report: (message: string) => void,
    private readonly socket: string | undefined = process.env[SYSLOG_SOCKET_ENV],
    private readonly tag = 'supervisord',
  ) {}

  /** Send each line (no newlines inside) as one message. */
  send(lines: readonly string[]): void {
    if (this.closed || lines.length === 0) return;
    const child = this.ensureChild();
    const stdin = child?.stdin;
    if (!stdin || stdin.destroyed) return;
    if (stdin.writableLength > MAX_QUEUED_BYTES) {
      this.trouble(`syslog is not keeping up: ${lines.length} lines dropped`);
      return;
    }
    stdin.write(lines.join('\n') + '\n');
  }

  /** Resolves once logger has read everything and exited. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.stdin?.end();
    });
  }

  private ensureChild(): ChildProcess | null {
    if (this.child) return this.child;
    if (Date.now() < this.nextSpawn) return null;
    const args = ['-t', this.tag, '-p', 'user.info', '--size', String(MAX_MESSAGE_BYTES)];
    if (this.socket) args.push('--socket', this.socket, '--socket-errors=on');
    // its own session: a Ctrl-C meant for the daemon must not end it before the daemon's last lines
    const child = spawn('logger', args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    child.on('error', (err) => this.trouble(`cannot run logger for syslog: ${err.message}`));
    child.stdin?.on('error', () => {
      // logger went away: 'close' below arranges the respawn
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-500);
    });
    child.once('close', (code) => {
      if (this.child === child) this.child = null;
      this.nextSpawn = Date.now() + RESPAWN_DELAY_MS;
      if (!this.closed) this.trouble(`logger for syslog exited (${code ?? 'signal'}): ${stderr.trim()}`);
    });
    this.child = child;
    return child;
  }

  private trouble(message: string): void {
    if (this.troubleReported) return;
    this.troubleReported = true;
    this.report(message);
  }
}
