import fs from 'node:fs';

/** Writes "<pid>\n" as 4.2.5 does; returns false when the file cannot be written (logged CRIT by the caller). */
export function writePidfile(path: string, pid = process.pid): boolean {
  try {
    fs.writeFileSync(path, `${pid}\n`);
    return true;
  } catch {
    return false;
  }
}

export function removeQuietly(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // already gone
  }
}
