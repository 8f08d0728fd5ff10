// environment_file= (beyond 4.2.5, which ignores the key): KEY=value files as users write .env
// files, read with dotenv's parser so comments, `export `, quotes and multi-line values mean what
// they mean everywhere else. Read at every load, so a reread sees an edited file as a changed config.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PyValueError, pyRepr } from './python.js';

export const ENVIRONMENT_FILE_KEY = 'environment_file';

// dotenv (and the crypto module it pulls in) loads on the first environment_file only: every
// supervisorctl call reads the config, and few configs have the key.
let dotenvModule: typeof import('dotenv') | undefined;
function dotenv(): typeof import('dotenv') {
  return (dotenvModule ??= createRequire(import.meta.url)('dotenv') as typeof import('dotenv'));
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
};

/** The comma-separated paths of an environment_file value, relative ones resolved against `baseDir`. */
export function environmentFilePaths(value: string, baseDir: string): string[] {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => path.resolve(baseDir, p));
}

/**
 * The variables of every file of `value`, merged in order (a later file wins). Throws PyValueError
 * naming the key and the file when one cannot be read; the caller adds the section.
 */
export function readEnvironmentFiles(value: string, baseDir: string): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const file of environmentFilePaths(value, baseDir)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      throw new PyValueError(`cannot read ${ENVIRONMENT_FILE_KEY} ${pyRepr(file)}: ${READ_ERRORS[code] ?? (err as Error).message}`);
    }
    Object.assign(merged, dotenv().parse(text));
  }
  return merged;
}
