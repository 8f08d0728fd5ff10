// Tab completion as 4.2.5 offers it: command names, then group names (add/remove/update) or process
// names (`name`, `group:name`, `group:*`) depending on the command; each match ends with a space.
import type { Controller } from './controller.js';
import type { ProcessInfo } from './status-json.js';

/** readline's default word delimiters minus ':', '*' and '-', so `group:*` and `a-b` are one word. */
const DELIMITERS = /[ \t\n"\\'`@$><=;|&{(]/;

export class ShellCompleter {
  private infos: Promise<ProcessInfo[]> | null = null;

  constructor(private readonly ctl: Controller) {}

  /** The process list is fetched once per command line, as readline may ask many times. */
  forget(): void {
    this.infos = null;
  }

  readonly complete = (line: string, callback: (err: null, result: [string[], string]) => void): void => {
    let start = line.length;
    while (start > 0 && !DELIMITERS.test(line[start - 1]!)) start--;
    const text = line.slice(start);
    this.matches(line, text).then(
      (matches) => callback(null, [matches, text]),
      () => callback(null, [[], text]),
    );
  };

  async matches(line: string, text: string): Promise<string[]> {
    const words = line.split(/\s+/).filter(Boolean);
    if (words.length === 0 || (words.length === 1 && !/\s$/.test(line))) return this.actions(text);
    const command = this.ctl.findCommand(words[0]!);
    switch (command?.completes) {
      case 'actions':
        return this.actions(text);
      case 'groups':
        return this.groups(text);
      case 'processes':
        return this.processes(text);
      default:
        return [];
    }
  }

  private actions(text: string): string[] {
    const names = this.ctl.commands.filter((c) => c.help).map((c) => c.name);
    return names.filter((n) => n.startsWith(text)).map((n) => `${n} `);
  }

  private async groups(text: string): Promise<string[]> {
    const groups = [...new Set((await this.processInfos()).map((i) => i.group))];
    return groups.filter((g) => g.startsWith(text)).map((g) => `${g} `);
  }

  private async processes(text: string): Promise<string[]> {
    const candidates: string[] = [];
    for (const info of await this.processInfos()) {
      if (text.includes(':') || info.name !== info.group) {
        candidates.push(`${info.group}:${info.name}`);
        if (!candidates.includes(`${info.group}:*`)) candidates.push(`${info.group}:*`);
      } else candidates.push(info.name);
    }
    return candidates.filter((p) => p.startsWith(text)).map((p) => `${p} `);
  }

  private processInfos(): Promise<ProcessInfo[]> {
    this.infos ??= this.ctl.rpc().call<ProcessInfo[]>('supervisor.getAllProcessInfo');
    return this.infos;
  }
}

