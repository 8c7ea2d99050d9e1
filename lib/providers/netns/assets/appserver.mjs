// flowproof's small application server: one process per pod serves every echo (TCP and
// UDP), HTTP and HTTPS port the pod declares. Plain JavaScript, no dependencies, so it
// starts in a few tens of milliseconds. Usage: node appserver.mjs <config.json>
// config: { label, ipv6?, listeners: [{ port, protocol: "TCP"|"UDP", app, tls?: { cert, key, plaintext } }] }
// With ipv6, every port listens on both families (one dual-stack socket on ::), else on
// IPv4 only (0.0.0.0). A TCP listener with tls serves inside TLS (echo, HTTP: HTTPS); with
// tls.plaintext too, the first byte a client sends picks: 0x16 (a TLS handshake record) goes
// to the TLS server, anything else is answered in plaintext on the same port.
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer } from 'node:tls';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const label = config.label;
const host = config.ipv6 ? '::' : '0.0.0.0';

function fail(what, err) {
  process.stderr.write(`${label}: ${what}: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
}

function httpHandler(port, scheme) {
  return (req, res) => {
    const body = `flowproof ${label} ${scheme} ${port} ${req.method} ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-flowproof-pod': label });
    res.end(body);
  };
}

function echo(conn) {
  conn.on('error', () => conn.destroy());
  conn.pipe(conn);
}

/** The plaintext server of a listener: HTTP for http (and https without tls), else echo. */
function plainServer(l, scheme) {
  return l.app === 'http' || l.app === 'https' ? createHttpServer(httpHandler(l.port, scheme)) : createTcpServer(echo);
}

/** TLS on the port; with tls.plaintext a front server hands each connection to TLS or plaintext by its first byte. */
function tlsServer(l) {
  const creds = { cert: readFileSync(l.tls.cert), key: readFileSync(l.tls.key) };
  const secure = l.app === 'http' || l.app === 'https' ? createHttpsServer(creds, httpHandler(l.port, 'https')) : createTlsServer(creds, echo);
  if (!l.tls.plaintext) return secure;
  const plain = plainServer(l, 'http');
  return createTcpServer((conn) => {
    conn.on('error', () => conn.destroy());
    conn.once('data', (first) => {
      conn.pause();
      conn.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit('connection', conn);
      process.nextTick(() => conn.resume());
    });
  });
}

for (const l of config.listeners) {
  const where = `${l.app} ${l.port}/${l.protocol}`;
  if (l.protocol === 'UDP') {
    const sock = config.ipv6 ? createSocket({ type: 'udp6', ipv6Only: false }) : createSocket('udp4');
    sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
    sock.on('error', (err) => fail(where, err));
    sock.bind(l.port, host);
    continue;
  }
  const server = l.tls ? tlsServer(l) : plainServer(l, l.app === 'https' ? 'https' : 'http');
  server.on('error', (err) => fail(where, err));
  server.listen({ port: l.port, host, ipv6Only: false });
}

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
process.stdout.write(`${label}: serving ${config.listeners.map((l) => `${l.app} ${l.port}/${l.protocol}`).join(', ')}\n`);
