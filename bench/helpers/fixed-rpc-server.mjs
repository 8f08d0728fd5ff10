#!/usr/bin/env node
// The RPC scenario's ceiling: a plain Node HTTP server on a unix socket (argv[2]) that answers every
// request with a fixed supervisor.getState response. What the bench's own client can reach when the
// daemon costs nothing; prints "ready" once listening.
import fs from 'node:fs';
import http from 'node:http';

const socketPath = process.argv[2];
fs.rmSync(socketPath, { force: true });
const body =
  '<?xml version="1.0"?><methodResponse><params><param><value><struct>' +
  '<member><name>statecode</name><value><int>1</int></value></member>' +
  '<member><name>statename</name><value><string>RUNNING</string></value></member>' +
  '</struct></value></param></params></methodResponse>';
http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  })
  .listen(socketPath, () => console.log('ready'));
