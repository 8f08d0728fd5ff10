// Switching supervisord itself to `user=` at startup, with 4.2.5's messages.
import { userInfo } from 'node:os';

export interface ResolvedUser {
  name: string;
  uid: number;
  gid: number;
}

/** Returns null on success, else the message 4.2.5 prints (and exits 2 with). */
export function dropPrivileges(user: ResolvedUser): string | null {
  const current = process.getuid!();
  if (current === user.uid) return null;
  if (current !== 0) return "Can't drop privilege as nonroot user";
  try {
    // initgroups = the groups that list the user, plus the primary gid, as 4.2.5's setgroups call
    (process as unknown as { initgroups(user: string, extraGroup: number): void }).initgroups(user.name, user.gid);
  } catch {
    return 'Could not set groups of effective user';
  }
  try {
    process.setgid!(user.gid);
  } catch {
    return 'Could not set group id of effective user';
  }
  process.setuid!(user.uid);
  return null;
}

export function currentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid!());
  }
}
