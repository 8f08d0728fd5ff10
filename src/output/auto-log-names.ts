// AUTO child log files: 4.2.5's names in childlogdir, and the cleanup of old ones at startup.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Python's tempfile alphabet: mkstemp names are 8 characters of it
const NAME_CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789_';

function randomName(): string {
  let out = '';
  for (const byte of crypto.randomBytes(8)) out += NAME_CHARACTERS[byte % NAME_CHARACTERS.length];
  return out;
}

/**
 * Creates (empty, mode 0600, never overwriting) and returns
 * `<childlogdir>/<name>-<channel>---<identifier>-<random>.log`, as 4.2.5 does with tempfile.mkstemp.
 */
export function createAutoChildLogFile(
  childlogdir: string,
  processName: string,
  channel: 'stdout' | 'stderr',
  identifier: string,
): string {
  const prefix = `${processName}-${channel}---${identifier}-`;
  for (;;) {
    const file = path.join(childlogdir, `${prefix}${randomName()}.log`);
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR, 0o600));
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Deletes the AUTO logs (and their rotated copies) a previous run left in childlogdir, matching
 * 4.2.5's pattern `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}`; problems become warnings, never errors.
 */
export function clearAutoChildLogDir(childlogdir: string, identifier: string, warn: (message: string) => void): void {
  const pattern = new RegExp(`^.+?---${escapeRegExp(identifier)}-\\S+\\.log\\.?\\d{0,4}`);
  let names: string[];
  try {
    names = fs.readdirSync(childlogdir);
  } catch {
    warn('Could not clear childlog dir');
    return;
  }
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const file = path.join(childlogdir, name);
    try {
      fs.unlinkSync(file);
    } catch {
      warn(`Failed to clean up '${file}'`);
    }
  }
}
