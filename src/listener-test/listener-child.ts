// One listener process under test, run as supervisord runs one: its stdin and stdout are the
// protocol, stderr is its own. What its stdout says is decoded by the pool's own ListenerProtocol
// and queued with its exit, so the bench can wait for "what happened next" with a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { ListenerProtocol, type ProtocolEvent } from '../listeners/protocol.js';

export type Happening =
  | ProtocolEvent
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'spawn-error'; message: string };

/** How much of the listener's stderr is kept, for the faults that quote it. */
const STDERR_KEPT = 4096;

export interface ListenerCommand {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** the listener's stderr is copied here as it comes (the bench's --verbose), besides being kept */
  echoStderr?: (chunk: Buffer) => void;
}

export class ListenerChild {
  readonly protocol = new ListenerProtocol();
  private readonly child: ChildProcess;
  private readonly queue: Happening[] = [];
  private wake: (() => void) | null = null;
  private stderrTail = Buffer.alloc(0);
  /** every byte the listener wrote to stdout since the last mark(), the evidence a fault quotes */
  private written = Buffer.alloc(0);
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(command: ListenerCommand) {
    const [file, ...args] = command.argv;
    this.child = spawn(file!, args, { env: command.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.written = Buffer.concat([this.written, chunk]);
      for (const outcome of this.protocol.feed(chunk)) this.push(outcome);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      command.echoStderr?.(chunk);
      this.stderrTail = Buffer.concat([this.stderrTail, chunk]).subarray(-STDERR_KEPT);
    });
    // a listener that exits mid-write leaves EPIPE here: its exit is what the report says
    this.child.stdin!.on('error', () => {});
    this.child.on('error', (err) => this.push({ kind: 'spawn-error', message: err.message }));
    this.child.on('close', (code, signal) => {
      this.exitStatus = { code, signal };
      this.push({ kind: 'exit', code, signal });
    });
  }

  get exited(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitStatus;
  }

  /** The last lines the listener wrote to stderr (a traceback, an error). */
  stderrLines(max = 5): string[] {
    const lines = this.stderrTail.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-max);
  }

  /** Bytes written to stdout since the previous mark, and starts a new span. */
  mark(): Buffer {
    const span = this.written;
    this.written = Buffer.alloc(0);
    return span;
  }

  /** Bytes written since the last mark, without starting a new span. */
  get sinceMark(): Buffer {
    return this.written;
  }

  /** Writes an envelope to the listener's stdin (the pool's send). */
  send(bytes: Buffer): void {
    this.protocol.eventSent();
    if (this.child.stdin!.writable) this.child.stdin!.write(bytes);
  }

  /** What already happened and was not taken yet, without waiting. */
  peekNow(): Happening | undefined {
    return this.queue.shift();
  }

  /** The next thing that happened, or 'timeout' when nothing did before `deadline` (epoch ms). */
  async next(deadline: number): Promise<Happening | 'timeout'> {
    for (;;) {
      const happening = this.queue.shift();
      if (happening) return happening;
      const wait = deadline - Date.now();
      if (wait <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Ends the listener: stdin closed, then SIGTERM, then SIGKILL if it lingers; resolves once it is gone. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exitStatus) return;
    this.child.stdin!.end();
    const gone = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  private push(happening: Happening): void {
    this.queue.push(happening);
    this.wake?.();
  }
}
