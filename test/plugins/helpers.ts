// Shared bits of the plugin tests: fixture paths, and supervisord's stdout read on its own.
import path from 'node:path';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon.js';

export const PLUGIN_FIXTURES = path.join(REPO_ROOT, 'test', 'plugins', 'fixtures');

export function fixture(name: string): string {
  return path.join(PLUGIN_FIXTURES, name);
}

/** startDaemon, plus its stdout alone (the helper's output() mixes stdout and stderr chunks). */
export function startWithStdout(dir: string, args: string[], env?: NodeJS.ProcessEnv): RunningDaemon & { stdout: () => string } {
  const daemon = startDaemon(dir, args, env ? { env } : {});
  let stdout = '';
  daemon.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  return { ...daemon, stdout: () => stdout };
}

/** Lines of 4.2.5's main log format, which -n also prints on stdout. */
export const MAIN_LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ /;
