// [inet_http_server*] and [unix_http_server*] sections (4.2.5's server_configs_from_parser).
import { machineCheck, saneget, type LoadContext } from './context.js';
import { colonSeparatedUserGroup, inetAddress, normalizePath, octalType } from './datatypes.js';
import { PyValueError, pyStrip } from './python.js';
import type { InetServerConfig, ProbeServerConfig, UnixServerConfig } from './types.js';

function serverSections(ctx: LoadContext, prefix: string): Array<{ name: string | null; section: string }> {
  return ctx.parser
    .sections()
    .filter((s) => s.startsWith(prefix))
    .map((section) => {
      const colon = section.indexOf(':');
      return { name: colon === -1 ? null : section.slice(colon + 1), section };
    });
}

function usernameAndPassword(ctx: LoadContext, section: string): { username: string | null; password: string | null } {
  const username = saneget(ctx, section, 'username', null);
  const password = saneget(ctx, section, 'password', null);
  if ((username !== null || password !== null) && (username === null || password === null)) {
    throw new PyValueError(
      `Section [${section}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified`,
    );
  }
  return { username, password };
}

export function serverConfigsFromParser(ctx: LoadContext): { inet: InetServerConfig[]; unix: UnixServerConfig[]; probe: ProbeServerConfig[] } {
  const inet: InetServerConfig[] = [];
  for (const { name, section } of serverSections(ctx, 'inet_http_server')) {
    const auth = usernameAndPassword(ctx, section);
    const port = saneget(ctx, section, 'port', null);
    if (port === null) throw new PyValueError(`section [${section}] has no port value`);
    const [host, portNumber] = inetAddress(port);
    const allowed = (saneget(ctx, section, 'allowed_hosts', null) ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
    inet.push({ name, section, host, port: portNumber, ...auth, allowedHosts: allowed.includes('*') ? 'any' : allowed });
  }
  const unix: UnixServerConfig[] = [];
  for (const { name, section } of serverSections(ctx, 'unix_http_server')) {
    const file = saneget(ctx, section, 'file', null, [['here', ctx.here]]);
    if (file === null) throw new PyValueError(`section [${section}] has no file value`);
    const socketFile = normalizePath(pyStrip(file), ctx);
    const auth = usernameAndPassword(ctx, section);
    const chownValue = saneget(ctx, section, 'chown', null);
    const chown: [number | null, number | null] =
      chownValue === null
        ? [-1, -1]
        : machineCheck<[number | null, number | null]>(
            ctx,
            'usergroup',
            { section, key: 'chown', value: chownValue },
            () => colonSeparatedUserGroup(chownValue, ctx.users),
            () => [null, null],
            () => `Invalid sockchown value ${chownValue}`,
          );
    const chmodValue = saneget(ctx, section, 'chmod', null);
    let chmod = 0o700;
    if (chmodValue !== null) {
      try {
        chmod = octalType(chmodValue);
      } catch {
        throw new PyValueError(`Invalid chmod value ${chmodValue}`);
      }
    }
    unix.push({ name, section, file: socketFile, chmod, chown, ...auth });
  }
  return { inet, unix, probe: probeServersFromParser(ctx) };
}

/** [probe_http_server] (beyond 4.2.5): where the unauthenticated probe port listens. */
function probeServersFromParser(ctx: LoadContext): ProbeServerConfig[] {
  const section = 'probe_http_server';
  if (!ctx.parser.sections().includes(section)) return [];
  const port = saneget(ctx, section, 'port', null);
  if (port === null) throw new PyValueError(`section [${section}] has no port value`);
  let address: [string, number];
  try {
    address = inetAddress(port);
  } catch (err) {
    throw new PyValueError(`section [${section}] port: ${(err as Error).message}`);
  }
  const credentials = ['username', 'password'].filter((key) => ctx.parser.get(section, key) !== undefined);
  if (credentials.length > 0) {
    // a password here would suggest the port is protected: it never is, so say so at load time
    throw new PyValueError(
      `section [${section}] sets ${credentials.join(' and ')}, but it answers the probes without credentials, by design; remove them (docs/security.md)`,
    );
  }
  return [{ section, host: address[0], port: address[1] }];
}

/** SUPERVISOR_SERVER_URL for children: the first unix server, else the first inet server. */
export function childServerUrl(inet: InetServerConfig[], unix: UnixServerConfig[]): string | null {
  if (unix.length) return `unix://${unix[0]!.file}`;
  if (inet.length) return `http://${inet[0]!.host || 'localhost'}:${inet[0]!.port}`;
  return null;
}
