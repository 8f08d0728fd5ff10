// 4.2.5's RotatingFileHandler.doRollover file moves: f -> f.1 -> f.2 ... -> f.<backups>, the
// oldest replaced. With compression the kept copies are f.<n>.gz; a copy still waiting for gzip
// keeps its plain name f.<n> and moves along the chain like the others.
import fs from 'node:fs';

function exists(file: string): boolean {
  return fs.existsSync(file);
}

/** 4.2.5's removeAndRename: a vanished source or destination is not an error. */
function removeAndRename(from: string, to: string): void {
  try {
    fs.rmSync(to, { force: true });
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Shifts every kept copy up by one (dropping the one beyond `backups`) and renames `file` to
 * `file.1`. Does nothing when backups is 0 (4.2.5 then only truncates). Throws the first
 * rename error other than a vanished file.
 */
export function shiftBackups(file: string, backups: number): void {
  if (backups <= 0) return;
  for (let i = backups - 1; i > 0; i--) {
    for (const suffix of ['', '.gz']) {
      const from = `${file}.${i}${suffix}`;
      if (exists(from)) removeAndRename(from, `${file}.${i + 1}${suffix}`);
    }
  }
  fs.rmSync(`${file}.1.gz`, { force: true });
  removeAndRename(file, `${file}.1`);
}
