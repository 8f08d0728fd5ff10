// Every supervisorctl command in one place; help listings and tab completion are derived from it.
import type { Command } from './controller.js';
import { add, avail, remove, reread, update } from './commands/config.js';
import { open, reload, shutdown, version } from './commands/daemon.js';
import { events } from './commands/events.js';
import { fg, maintail, tail } from './commands/logs.js';
import { clear, restart, signal, start, stop } from './commands/process-control.js';
import { eof, exit, help, quit } from './commands/shell.js';
import { pid, status } from './commands/status.js';

export const COMMANDS: readonly Command[] = [
  add, avail, clear, eof, events, exit, fg, help, maintail, open, pid, quit, reload, remove, reread,
  restart, shutdown, signal, start, status, stop, tail, update, version,
];
