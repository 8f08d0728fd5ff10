import type { Command, Controller } from '../controller.js';
import { EXIT } from '../exit-status.js';

/** 4.2.5's answer to arguments given to a command that takes none: the error, then its help. */
export function rejectArgs(ctl: Controller, command: Command, arg: string): boolean {
  if (!arg) return false;
  ctl.output(`Error: ${command.name} accepts no arguments`);
  ctl.exitstatus = EXIT.GENERIC;
  ctl.output(command.help!);
  return true;
}
