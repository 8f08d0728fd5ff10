// The interactive shell: `status` first, then `<prompt>> ` lines until quit/exit/EOF or Ctrl-C at
// the prompt; the history file is read at start and written at the end. Always exits 0.
import fs from 'node:fs';
import type { Controller } from './controller.js';
import type { ReadlineInput } from './line-input.js';

export async function runShell(ctl: Controller, input: ReadlineInput, onCommandDone: () => void): Promise<void> {
  let interrupted = false;
  input.onSigint = () => {
    if (ctl.onInterrupt) return ctl.onInterrupt();
    // Ctrl-C at the prompt ends the shell, as KeyboardInterrupt ends 4.2.5's cmdloop
    interrupted = true;
    ctl.output('');
    input.close();
  };
  await ctl.onecmd('status');
  onCommandDone();
  for (;;) {
    const line = await input.readLine(`${ctl.options.prompt}> `);
    if (interrupted) break;
    if ((await ctl.onecmd(line ?? 'EOF')) === 'exit' || line === null) break;
    onCommandDone();
  }
}

/** GNU readline's history file: one entry per line, oldest first. Returns most recent first. */
export function readHistory(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && l !== '_HiStOrY_V2_').reverse();
  } catch {
    return [];
  }
}

export function writeHistory(file: string, mostRecentFirst: string[]): void {
  try {
    fs.writeFileSync(file, mostRecentFirst.slice().reverse().map((l) => `${l}\n`).join(''));
  } catch {
    // 4.2.5 ignores an unwritable history file
  }
}
