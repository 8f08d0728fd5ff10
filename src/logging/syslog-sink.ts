// The main log with logfile=syslog: each formatted line, as 4.2.5's SyslogHandler sends it
// ("2026-11-22 02:10:00,101 INFO message", one message per line of a multi-line message).
import { SyslogWriter } from '../output/syslog.js';
import type { LogSink } from './logger.js';

export class SyslogSink implements LogSink {
  private readonly writer: SyslogWriter;

  constructor(report: (message: string) => void) {
    this.writer = new SyslogWriter(report);
  }

  write(line: string): void {
    this.writer.send(line.replace(/\n+$/, '').split('\n'));
  }

  reopen(): void {}

  close(): void {
    void this.writer.close();
  }
}
