// Who may drive a server from a browser. Browsers reach loopback TCP ports from any web page, and
// they attach what they have for a server (cached Basic credentials) to requests any page makes to
// it. So, beside authentication:
// - a request that a browser marks as coming from another origin (Origin, Sec-Fetch-Site) may read
//   but not act: WebSocket upgrades and non-GET requests from another origin are refused, and so
//   are 4.2.5's GET actions (index.html?action=stop) unless the browser says the user made them;
// - a server without a password accepts only Host names that cannot be an attacker's (an IP
//   address, localhost, its own bind name, this machine's name, or allowed_hosts=), which defeats
//   DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 sends Host: evil.example.
import os from 'node:os';
import net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

/** A [inet_http_server] allowed_hosts= value: names besides the built-in ones, or every name. */
export type AllowedHosts = readonly string[] | 'any';

/** The host name of a Host header value (`name:port`, `[v6]:port`), lower case; null when malformed. */
export function hostName(header: string): string | null {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(1, end) : null;
  }
  const colon = value.lastIndexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  return name === '' ? null : name;
}

/**
 * Whether a server without a password bound to `bindHost` answers a request with this Host header.
 * No Host at all (HTTP/1.0 clients) is accepted: every browser sends one.
 */
export function hostAllowed(header: string | undefined, bindHost: string, allowed: AllowedHosts): boolean {
  if (header === undefined || allowed === 'any') return true;
  const name = hostName(header);
  if (name === null) return false;
  if (net.isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  const machine = os.hostname().toLowerCase();
  const own = [bindHost.toLowerCase(), machine, machine.split('.')[0]!, ...allowed.map((h) => h.toLowerCase())];
  return own.includes(name);
}

/** The Origin header names another origin than the one the request was sent to (its Host). */
export function fromOtherOrigin(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    // "null" (a sandboxed frame, a file: page) and anything unreadable is not us
    return true;
  }
  return host === '' || host.toLowerCase() !== (headers.host ?? '').trim().toLowerCase();
}

/**
 * A GET that acts (4.2.5's index.html?action=...) is performed only when the browser says the user
 * made it: typed, a bookmark (Sec-Fetch-Site: none) or a link on our own page (same-origin). An image
 * or link on another site is cross-site; a request without fetch metadata (a script, a browser too
 * old to send it) cannot show where it came from, so it is refused too: XML-RPC is the API.
 */
export function userMadeNavigation(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  return (site === 'same-origin' || site === 'none') && !fromOtherOrigin(headers);
}
