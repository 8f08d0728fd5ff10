// A plugin instance's own directory, kept across restarts and reloads of supervisord (fluentd's
// spool lives there). It is claimed by the supervisord that uses it: two daemons that share a
// childlogdir and an identifier (/tmp and "supervisor" by default) must not write one spool.
import fs from 'node:fs';
import path from 'node:path';

/** Under childlogdir, beside the AUTO logs, in a name the startup cleanup never matches. */
export const STATE_ROOT = 'supervisor-ts-state';
const OWNER_FILE = 'owner';

/** `<childlogdir>/supervisor-ts-state/<identifier>/plugin-<name>`. */
export function pluginStateDir(childlogdir: string, identifier: string, pluginName: string): string {
  return path.join(childlogdir, STATE_ROOT, pathSegment(identifier), `plugin-${pathSegment(pluginName)}`);
}

/** One path segment whatever the text: no '/', and never '.' or '..'. */
export function pathSegment(text: string): string {
  return encodeURIComponent(text || '_').replace(/^\./, '%2E');
}

/**
 * Creates `dir` (mode 0700) and records this process (a supervisord, or a plugin run as a listener)
 * as its owner; throws when it cannot be created or a live process that is not this one owns it.
 * A crashed owner's claim is taken over.
 */
export function claimStateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ownerFile = path.join(dir, OWNER_FILE);
  const me = processIdentity(process.pid) ?? String(process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner = readOwner(ownerFile);
    if (owner === me) return dir;
    if (owner !== null && processIdentity(Number(owner.split(' ')[0])) === owner) {
      throw new Error(`${dir} is in use by another process (pid ${owner.split(' ')[0]})`);
    }
    // written aside then renamed: a reader never sees half an owner
    const claim = `${ownerFile}.${process.pid}`;
    fs.writeFileSync(claim, me);
    fs.renameSync(claim, ownerFile);
    // two daemons that took over the same dead claim at once: the last rename wins
  }
  if (readOwner(ownerFile) === me) return dir;
  throw new Error(`${dir} is in use by another process (pid ${readOwner(ownerFile)?.split(' ')[0] ?? 'unknown'})`);
}

function readOwner(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * "<pid> <start time>": the start time (field 22 of /proc/PID/stat) tells a live owner from a new
 * process that reused a dead owner's pid. Null when no such process runs.
 */
function processIdentity(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    // no /proc: the pid alone (EPERM: alive, another user's)
    try {
      process.kill(pid, 0);
      return `${pid}`;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? `${pid}` : null;
    }
  }
}
