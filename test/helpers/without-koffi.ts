// A copy of our supervisord that cannot load koffi, as on a platform without koffi's binary: the
// built daemon and bin/ copied into a temp dir, every dependency but koffi linked beside them. It
// then starts programs with child_process.spawn and libuv's socketpairs (the last-resort path).
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './daemon.js';

/** Builds the copy inside `dir`; returns the argv that runs it (startDaemon's `daemon` option). */
export function daemonWithoutKoffi(dir: string): string[] {
  const root = path.join(dir, 'without-koffi');
  fs.cpSync(path.join(REPO_ROOT, 'dist', 'src'), path.join(root, 'dist', 'src'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'bin'), path.join(root, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(root, 'package.json'));
  const modules = fs.realpathSync(path.join(REPO_ROOT, 'node_modules'));
  fs.mkdirSync(path.join(root, 'node_modules'));
  for (const entry of fs.readdirSync(modules)) {
    // koffi and its platform binaries (@koromix/koffi-<platform>)
    if (entry === 'koffi' || entry === '@koromix' || entry.startsWith('.')) continue;
    fs.symlinkSync(path.join(modules, entry), path.join(root, 'node_modules', entry));
  }
  return [process.execPath, path.join(root, 'bin', 'supervisord.js')];
}
