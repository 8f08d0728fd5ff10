// A minimal XML-RPC client over a unix socket for tests: the real HTTP transport and our codec
// (itself checked against Python's xmlrpc.client).
import http from 'node:http';
import { decodeResponse, encodeMethodCall, type XmlRpcValue } from '../../src/xmlrpc/index.js';

export function rpcCall(socketPath: string, method: string, params: XmlRpcValue[] = []): Promise<XmlRpcValue> {
  return call(socketPath, method, params, false);
}

/** rpcCall on a connection of its own, closed after the answer: no kept-alive socket is left among the daemon's descriptors. */
export function rpcCallOnce(socketPath: string, method: string, params: XmlRpcValue[] = []): Promise<XmlRpcValue> {
  return call(socketPath, method, params, true);
}

function call(socketPath: string, method: string, params: XmlRpcValue[], ownConnection: boolean): Promise<XmlRpcValue> {
  const body = encodeMethodCall(method, params);
  const headers: Record<string, string | number> = { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) };
  if (ownConnection) headers.Connection = 'close';
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/RPC2', method: 'POST', headers, ...(ownConnection ? { agent: false } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          const value = decodeResponse(text);
          if (value instanceof Error) reject(value);
          else resolve(value);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
