// The user and group database as Python's pwd/grp modules see it on a plain Debian system:
// /etc/passwd and /etc/group. Node has no getpwnam, and spawning `getent` per lookup is too slow.
import fs from 'node:fs';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

/** Where user and group records come from; tests may substitute their own. */
export interface UserDatabase {
  userByName(name: string): PasswdEntry | undefined;
  userById(uid: number): PasswdEntry | undefined;
  groupByName(name: string): GroupEntry | undefined;
  groupById(gid: number): GroupEntry | undefined;
}

function readColonFile(file: string): string[][] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('+') && !line.startsWith('-'))
    .map((line) => line.split(':'));
}

/**
 * Reads /etc/passwd and /etc/group once, at the first lookup (most configs never look one up, and
 * every supervisorctl call reads its config); the first record of a name or id wins, as with getpwnam.
 */
export function fileUserDatabase(passwdFile = '/etc/passwd', groupFile = '/etc/group'): UserDatabase {
  let users: PasswdEntry[] | undefined;
  let groups: GroupEntry[] | undefined;
  const allUsers = (): PasswdEntry[] =>
    (users ??= readColonFile(passwdFile)
      .filter((f) => f.length >= 4)
      .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' })));
  const allGroups = (): GroupEntry[] =>
    (groups ??= readColonFile(groupFile)
      .filter((f) => f.length >= 3)
      .map((f) => ({ name: f[0]!, gid: Number(f[2]) })));
  return {
    userByName: (name) => allUsers().find((u) => u.name === name),
    userById: (uid) => allUsers().find((u) => u.uid === uid),
    groupByName: (name) => allGroups().find((g) => g.name === name),
    groupById: (gid) => allGroups().find((g) => g.gid === gid),
  };
}
