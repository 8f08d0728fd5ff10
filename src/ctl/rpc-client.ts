// XML-RPC over HTTP/1.1 as 4.2.5's SupervisorTransport sends it: POST /RPC2 on one persistent
// connection (TCP or unix socket), Basic auth only when both username and password are set.
import http from 'node:http';
import { decodeResponse, encodeMethodCall, XmlRpcFault, type XmlRpcValue } from '../xmlrpc/index.js';
import { ProtocolError, RpcFault, SocketError } from './python-errors.js';
import { parseServerUrl, type ServerAddress } from './server-url.js';

export interface Credentials {
  username: string | null;
  password: string | null;
}

export class RpcClient {
  private readonly address: ServerAddress;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    serverurl: string,
    private readonly credentials: Credentials,
  ) {
    this.address = parseServerUrl(serverurl);
  }

  /** Calls `method`; throws RpcFault, ProtocolError (HTTP status) or SocketError. */
  async call<T = XmlRpcValue>(method: string, ...params: XmlRpcValue[]): Promise<T> {
    const body = Buffer.from(encodeMethodCall(method, params), 'utf8');
    const text = await this.post(body);
    const result = decodeResponse(text);
    if (result instanceof XmlRpcFault) throw new RpcFault(result.faultCode, result.faultString);
    return result as T;
  }

  close(): void {
    this.agent.destroy();
  }

  private headers(length: number): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = {
      Host: this.address.kind === 'unix' ? 'localhost' : this.address.hostHeader,
      'Accept-Encoding': 'identity',
      'User-Agent': 'Python-xmlrpc/3.11',
      'Content-Type': 'text/xml',
      Accept: 'text/xml',
    };
    const { username, password } = this.credentials;
    if (username !== null && password !== null) {
      headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    }
    headers['Content-Length'] = String(length);
    return headers;
  }

  private post(body: Buffer): Promise<string> {
    const target =
      this.address.kind === 'unix' ? { socketPath: this.address.socketPath } : { host: this.address.host, port: this.address.port };
    const transport = this.address.kind === 'unix' ? 'unix' : 'tcp';
    // servername '' (only TLS reads it; node's types omit it for http) spares the agent an isIP()
    // of the Host header, whose IPv6 regex takes milliseconds to compile: a tenth of a one-off call
    const options: http.RequestOptions & { servername: string } = {
      ...target,
      method: 'POST',
      path: '/RPC2',
      agent: this.agent,
      servername: '',
      headers: this.headers(body.length),
    };
    return new Promise((resolve, reject) => {
      const request = http.request(
        options,
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('error', (err: NodeJS.ErrnoException) => reject(new SocketError(err.code ?? 'ECONNRESET', transport)));
          response.on('end', () => {
            if (response.statusCode !== 200) {
              reject(new ProtocolError(response.statusCode ?? 0, response.statusMessage ?? ''));
            } else {
              resolve(Buffer.concat(chunks).toString('utf8'));
            }
          });
        },
      );
      request.on('error', (err: NodeJS.ErrnoException) => reject(new SocketError(err.code ?? 'ECONNRESET', transport)));
      request.end(body);
    });
  }
}
