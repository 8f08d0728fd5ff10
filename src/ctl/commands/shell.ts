// help, quit, exit and EOF: the shell's own commands (usable one-shot too, as in 4.2.5).
import type { Command } from '../controller.js';
import { columnize } from '../format.js';

const HELP_HEADER = 'default commands (type help <topic>):';

export const help: Command = {
  name: 'help',
  completes: 'actions',
  help: 'help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>',
  async run(ctl, arg) {
    const topic = arg.trim();
    if (topic) {
      const command = ctl.findCommand(topic);
      ctl.output(command?.help ?? `*** No help on ${topic}`);
      return;
    }
    // 4.2.5 lists its plugin's documented commands; `help` itself lives on the controller
    const names = ctl.commands.filter((c) => c.help && c.name !== 'help' && !c.extension).map((c) => c.name).sort();
    ctl.output('');
    ctl.output(HELP_HEADER);
    ctl.output('='.repeat(HELP_HEADER.length));
    for (const line of columnize(names)) ctl.output(line);
    ctl.output('');
  },
};

const leave: Command['run'] = async (ctl) => {
  ctl.output('');
  return 'exit';
};

export const quit: Command = { name: 'quit', help: 'quit\tExit the supervisor shell.', run: leave };
export const exit: Command = { name: 'exit', help: 'exit\tExit the supervisor shell.', run: leave };
/** Ctrl-D in the shell; also a command 4.2.5 accepts by name. */
export const eof: Command = { name: 'EOF', run: leave };
