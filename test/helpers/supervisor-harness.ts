// Runs a Supervisor on a temp dir for one test, records what it logs and every state change,
// and always cleans up: shutdown, SIGKILL to anything still alive that the test started, rm -rf.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config, GroupConfig } from '../../src/config/types.js';
import { LEVELS } from '../../src/logging/levels.js';
import { Logger } from '../../src/logging/logger.js';
import { ProcessState } from '../../src/process/states.js';
import type { StateChange } from '../../src/process/subprocess.js';
import { Supervisor } from '../../src/process/supervisor.js';
import { makeConfig } from './process-config.js';

export interface TimedLine {
  at: number;
  line: string;
}

export class Harness {
  readonly dir: string;
  readonly lines: TimedLine[] = [];
  readonly changes: StateChange[] = [];
  readonly logger = new Logger(LEVELS.BLAT);
  /** extra pids (grandchildren) the test learned about and must not leave behind */
  readonly strayPids = new Set<number>();
  supervisor!: Supervisor;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-proc-'));
    this.logger.addSink({
      write: (line) => this.lines.push({ at: Date.now(), line: line.replace(/\n$/, '') }),
      reopen: () => {},
      close: () => {},
    });
  }

  /** Create (and by default start) a Supervisor over these groups. */
  run(groups: GroupConfig[], options: { start?: boolean; env?: NodeJS.ProcessEnv; config?: (c: Config) => void } = {}): Supervisor {
    const config = makeConfig(groups, this.dir);
    options.config?.(config);
    this.supervisor = new Supervisor({ config, logger: this.logger, env: options.env ?? process.env });
    this.supervisor.on('process-state', (c) => this.changes.push(c));
    if (options.start ?? true) this.supervisor.start();
    return this.supervisor;
  }

  /** Log messages (without the timestamp) that contain `text`. */
  logged(text: string): TimedLine[] {
    return this.lines.filter((l) => l.line.includes(text));
  }

  /** Messages only, level code included: "INFO spawned: 'x' with pid 1". */
  messages(): string[] {
    return this.lines.map((l) => l.line.replace(/^\S+ \S+ /, ''));
  }

  statesOf(name: string): string[] {
    return this.changes.filter((c) => c.process === name).map((c) => ProcessState[c.to]);
  }

  /** Resolves when `name` enters `state` (also if it is already there); fails after timeoutMs. */
  async waitForState(name: string, state: ProcessState, timeoutMs = 10000): Promise<void> {
    await waitFor(() => this.supervisor.resolve(name).process?.state === state, timeoutMs, `${name} to be ${ProcessState[state]}`);
  }

  async cleanup(): Promise<void> {
    const pids = new Set(this.strayPids);
    for (const proc of this.supervisor?.processes() ?? []) if (proc.pid) pids.add(proc.pid);
    if (this.supervisor) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.supervisor.shutdown(), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      await this.supervisor.closeLogs();
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** True while pid exists and is not a zombie (re-parented orphans wait for init to reap them). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Run a test body with a fresh harness and clean up whatever happens. */
export async function withHarness(body: (h: Harness) => Promise<void>): Promise<void> {
  const harness = new Harness();
  try {
    await body(harness);
  } finally {
    await harness.cleanup();
  }
}
