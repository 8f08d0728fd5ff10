// Where supervisord and supervisorctl look for their config file without -c (4.2.5's searchpaths).
import fs from 'node:fs';
import path from 'node:path';
import { joinPath, pythonDirname } from './datatypes.js';

/**
 * The candidate paths in 4.2.5's order. `argv0Dir` is the directory holding the executable;
 * HERE is its parent (/usr for /usr/bin/supervisord). Relative entries stay relative, as 4.2.5
 * prints them.
 */
export function configSearchPaths(argv0Dir: string): string[] {
  const here = pythonDirname(argv0Dir);
  return [
    joinPath(joinPath(here, 'etc'), 'supervisord.conf'),
    joinPath(here, 'supervisord.conf'),
    'supervisord.conf',
    'etc/supervisord.conf',
    '/etc/supervisord.conf',
    '/etc/supervisor/supervisord.conf',
  ];
}

/** The first existing candidate (relative ones checked against `cwd`), or null. */
export function findConfigFile(opts: { argv0Dir: string; cwd: string }): string | null {
  for (const candidate of configSearchPaths(opts.argv0Dir)) {
    if (fs.existsSync(path.resolve(opts.cwd, candidate))) return candidate;
  }
  return null;
}

/** supervisord's error when no candidate exists (the text after "Error: "). */
export function noConfigFileMessage(argv0Dir: string): string {
  return `No config file found at default paths (${configSearchPaths(argv0Dir).join(', ')}); use the -c option to specify a config file at a different path`;
}
