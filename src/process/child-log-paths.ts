// A program's stdout and stderr log paths. Fixed ones are as configured; AUTO ones are files made
// in childlogdir (auto-log-names.ts), at once as 4.2.5 does, and, when that fails (childlogdir out
// of space or inodes, removed, read-only), again at each start of the program until it works. 4.2.5
// and we before issue 21 died with a traceback there, stopping every other program.
import type { LogfileSetting } from '../config/types.js';
import { createAutoChildLogFile } from '../output/auto-log-names.js';

type Channel = 'stdout' | 'stderr';

/** An AUTO log could not be created: the program cannot start (spawnerr), the others are not concerned. */
export class AutoLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AutoLogError';
  }
}

export interface AutoLogPlace {
  childlogdir: string;
  identifier: string;
}

export class ChildLogPaths {
  private readonly paths: Record<Channel, string | null>;
  /** channels whose AUTO file is still to be made */
  private readonly pendingAuto = new Set<Channel>();

  constructor(
    private readonly processName: string,
    settings: Record<Channel, LogfileSetting>,
    private readonly place: AutoLogPlace,
  ) {
    this.paths = { stdout: null, stderr: null };
    for (const channel of ['stdout', 'stderr'] as const) {
      const setting = settings[channel];
      if (setting === 'AUTO') this.pendingAuto.add(channel);
      else this.paths[channel] = setting;
    }
  }

  /** The stdout log's path; null for NONE, and for AUTO until its file exists. */
  get stdout(): string | null {
    return this.paths.stdout;
  }

  get stderr(): string | null {
    return this.paths.stderr;
  }

  /** Makes the AUTO files not made yet; throws AutoLogError naming the file and why, for the first that fails. */
  create(): void {
    for (const channel of [...this.pendingAuto]) {
      const { childlogdir, identifier } = this.place;
      try {
        this.paths[channel] = createAutoChildLogFile(childlogdir, this.processName, channel, identifier);
      } catch (err) {
        throw new AutoLogError(`cannot create the AUTO ${channel} log of ${this.processName} in childlogdir ${childlogdir}: ${(err as Error).message}`);
      }
      this.pendingAuto.delete(channel);
    }
  }
}
