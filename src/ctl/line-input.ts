// Lines typed by the user (shell commands, confirmations, fg input, the credentials prompt) over
// node:readline, which also provides the prompt, history and tab completion on a terminal.
import { createRequire } from 'node:module';
import type readline from 'node:readline';

// node:readline loads with the first ReadlineInput: most supervisorctl calls never read a line,
// and every call pays for what it loads
const loadReadline = (): typeof readline => createRequire(import.meta.url)('node:readline') as typeof readline;

export interface LineInput {
  /** the next line, or null at end of input */
  readLine(prompt: string): Promise<string | null>;
  /** like readLine, but what is typed is not echoed */
  readSecret(prompt: string): Promise<string | null>;
}

export interface ReadlineInputOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  completer?: readline.Completer | readline.AsyncCompleter;
  /** most recent first */
  history?: string[];
}

export class ReadlineInput implements LineInput {
  /** Ctrl-C on a terminal (readline keeps the terminal in raw mode, so no SIGINT is raised) */
  onSigint: () => void = () => {};
  private readonly rl: readline.Interface;
  private readonly queued: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;
  private muted = false;

  constructor(options: ReadlineInputOptions) {
    const terminal = (options.input as NodeJS.ReadStream).isTTY === true;
    this.rl = loadReadline().createInterface({
      input: options.input,
      output: options.output,
      terminal,
      historySize: 1000,
      ...(options.completer ? { completer: options.completer } : {}),
      ...(options.history ? { history: options.history } : {}),
    });
    // hides typed secrets; readline has no public switch for echo
    const rlWithOutput = this.rl as unknown as { _writeToOutput(text: string): void };
    const write = rlWithOutput._writeToOutput.bind(this.rl);
    rlWithOutput._writeToOutput = (text: string) => {
      if (!this.muted) write(text);
    };
    this.rl.on('line', (line) => this.deliver(line));
    this.rl.on('close', () => {
      this.ended = true;
      this.deliver(null);
    });
    // never paused: on a terminal Ctrl-C must still be read while a command streams output
    this.rl.on('SIGINT', () => this.onSigint());
  }

  readLine(prompt: string): Promise<string | null> {
    this.rl.setPrompt(prompt);
    if (!this.ended) this.rl.prompt();
    else if (prompt) (this.rl as unknown as { output: NodeJS.WritableStream }).output.write(prompt);
    return this.next();
  }

  async readSecret(prompt: string): Promise<string | null> {
    this.rl.setPrompt('');
    (this.rl as unknown as { output: NodeJS.WritableStream }).output.write(prompt);
    this.muted = true;
    try {
      if (!this.ended) this.rl.prompt();
      return await this.next();
    } finally {
      this.muted = false;
    }
  }

  /** The typed lines, most recent first (for the history file). */
  history(): string[] {
    return [...(this.rl as unknown as { history: string[] }).history];
  }

  close(): void {
    this.rl.close();
  }

  private next(): Promise<string | null> {
    if (this.queued.length > 0) return Promise.resolve(this.queued.shift()!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private deliver(line: string | null): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter(line);
    } else if (line !== null) {
      this.queued.push(line);
    }
  }
}
