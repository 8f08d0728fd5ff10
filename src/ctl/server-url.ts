// Where a serverurl points: 4.2.5 accepts http://host[:port] (port 80 by default) and unix:///path;
// any path part of an http URL is ignored.

export type ServerAddress =
  | { kind: 'tcp'; host: string; port: number; hostHeader: string }
  | { kind: 'unix'; socketPath: string };

export class UnknownProtocolError extends Error {}

export function parseServerUrl(serverurl: string): ServerAddress {
  if (serverurl.startsWith('unix://')) return { kind: 'unix', socketPath: serverurl.slice(7) };
  if (serverurl.startsWith('http://')) {
    const netloc = serverurl.slice(7).split(/[/?#]/)[0]!;
    const hostPort = netloc.includes('@') ? netloc.slice(netloc.lastIndexOf('@') + 1) : netloc;
    const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostPort);
    const [host, portText] = bracketed ? [bracketed[1]!, bracketed[2]] : [hostPort.split(':')[0]!, hostPort.split(':')[1]];
    const port = portText ? Number(portText) : 80;
    // Python's http.client sends the port in Host only when it is not 80
    return { kind: 'tcp', host: host.toLowerCase(), port, hostHeader: port === 80 ? host : `${host}:${port}` };
  }
  throw new UnknownProtocolError(`Unknown protocol for serverurl ${serverurl}`);
}
