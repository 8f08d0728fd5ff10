// HTTP Basic authentication of a server section (rpc.md 2.2): plain or {SHA} (hex SHA-1) passwords,
// compared in constant time so the answer's timing does not reveal how much of a guess was right.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  username: string;
  /** plain text, or "{SHA}" + lower-case hex SHA-1 */
  password: string;
}

export type AuthOutcome = 'ok' | 'unauthorized' | 'bad-request';

function sameText(a: string, b: string): boolean {
  // hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

function passwordMatches(configured: string, supplied: string): boolean {
  if (configured.startsWith('{SHA}')) {
    return sameText(configured.slice(5), createHash('sha1').update(supplied, 'utf8').digest('hex'));
  }
  return sameText(configured, supplied);
}

/** Check an Authorization header against the section's credentials (null = no auth configured). */
export function checkAuthorization(header: string | undefined, credentials: Credentials | null): AuthOutcome {
  if (credentials === null) return 'ok';
  const match = /^\s*(\S+)\s+(\S*)\s*$/.exec(header ?? '');
  if (!match || match[1]!.toLowerCase() !== 'basic') return 'unauthorized';
  const encoded = match[2]!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'bad-request';
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return 'unauthorized';
  const userOk = sameText(decoded.slice(0, colon), credentials.username);
  const passwordOk = passwordMatches(credentials.password, decoded.slice(colon + 1));
  return userOk && passwordOk ? 'ok' : 'unauthorized';
}
