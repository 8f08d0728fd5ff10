// XML-RPC over HTTP/1.1 as 4.2.5's SupervisorTransport sends it: POST /RPC2 on one persistent
// connection (TCP or unix socket, src/ctl/http-connection.ts), Basic auth only when both username
// and password are set.
import net from 'node:net';
import { HttpConnection, HttpConnectionError, type HttpResponse } from './http-connection.js';
import { decodeResponse, encodeMethodCall, XmlRpcFault, type XmlRpcValue } from '../xmlrpc/index.js';
import { ProtocolError, RpcFault, SocketError } from './python-errors.js';
import { parseServerUrl, type ServerAddress } from './server-url.js';

export interface Credentials {
  username: string | null;
  password: string | null;
}

export class RpcClient {
  private readonly address: ServerAddress;
  private readonly connection: HttpConnection;

  constructor(
    serverurl: string,
    private readonly credentials: Credentials,
  ) {
    this.address = parseServerUrl(serverurl);
    const address = this.address;
    this.connection = new HttpConnection(() =>
      address.kind === 'unix' ? net.createConnection({ path: address.socketPath }) : net.createConnection({ host: address.host, port: address.port }),
    );
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
    this.connection.close();
  }

  private head(length: number): string {
    const lines = [
      'POST /RPC2 HTTP/1.1',
      `Host: ${this.address.kind === 'unix' ? 'localhost' : this.address.hostHeader}`,
      'Accept-Encoding: identity',
      'User-Agent: Python-xmlrpc/3.11',
      'Content-Type: text/xml',
      'Accept: text/xml',
    ];
    const { username, password } = this.credentials;
    if (username !== null && password !== null) {
      lines.push(`Authorization: Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`);
    }
    lines.push(`Content-Length: ${length}`, 'Connection: keep-alive');
    return `${lines.join('\r\n')}\r\n\r\n`;
  }

  private async post(body: Buffer): Promise<string> {
    let response: HttpResponse;
    try {
      response = await this.connection.request(this.head(body.length), body);
    } catch (err) {
      if (!(err instanceof HttpConnectionError)) throw err;
      throw new SocketError(err.code, this.address.kind === 'unix' ? 'unix' : 'tcp');
    }
    if (response.status !== 200) throw new ProtocolError(response.status, response.reason);
    return response.body.toString('utf8');
  }
}
