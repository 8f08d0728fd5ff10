// Replacing a small file so that a crash or power cut at any moment leaves either the old content
// or the new, never a mix or an empty file: write a temporary file beside it, fsync it, rename it
// over the old one, and fsync the directory so that the rename itself is on disk.
import fs from 'node:fs';
import path from 'node:path';

/** Throws the file system's error; the temporary file is removed then. */
export function writeFileAtomically(file: string, data: string | Buffer, mode = 0o644): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(temporary, 'w', mode);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw err;
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
