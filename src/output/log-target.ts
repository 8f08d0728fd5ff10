// Where one stream of a child is logged: a file of its own (ChildLogFile) or the daemon's own
// stdout or stderr (DescriptorLog). The channel and the process's output side see only this.
import type { OutputSink } from './pipe-to-log.js';

export interface LogTarget extends OutputSink {
  readonly path: string;
  /** bytes of an unfinished line are held back (only where other writers share the target) */
  readonly holdsPartial: boolean;
  /** hand on what is held, as it is: the pipe went quiet or closed */
  flushPartial(): void;
  /** SIGUSR2, or after logrotate moved the file away */
  reopen(): Promise<void>;
  /** empty it (clearProcessLogs); bytes accepted before are written first */
  clear(): Promise<void>;
  /** write what waits, then let go */
  close(): Promise<void>;
}
