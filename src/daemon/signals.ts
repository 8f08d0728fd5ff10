// supervisord's signals are queued and handed to one handler at a time, outside the OS handler,
// as in 4.2.5: the same signal twice before it is handled counts once.

export type DaemonSignal = 'SIGTERM' | 'SIGINT' | 'SIGQUIT' | 'SIGHUP' | 'SIGUSR2';
export const DAEMON_SIGNALS: readonly DaemonSignal[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR2'];

export class SignalQueue {
  private readonly pending: DaemonSignal[] = [];
  private handler: ((sig: DaemonSignal) => void) | null = null;
  private scheduled = false;
  private readonly onOsSignal = (sig: NodeJS.Signals): void => this.push(sig as DaemonSignal);

  install(): void {
    for (const sig of DAEMON_SIGNALS) process.on(sig, this.onOsSignal);
  }

  uninstall(): void {
    for (const sig of DAEMON_SIGNALS) process.off(sig, this.onOsSignal);
  }

  push(sig: DaemonSignal): void {
    if (!this.pending.includes(sig)) this.pending.push(sig);
    this.schedule();
  }

  /** Signals that arrive while no handler is set wait for the next one. */
  setHandler(handler: ((sig: DaemonSignal) => void) | null): void {
    this.handler = handler;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.handler || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.handler && this.pending.length > 0) this.handler(this.pending.shift()!);
    });
  }
}
