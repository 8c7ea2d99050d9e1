// flowproof's small application server: one process serves every echo (TCP and UDP), HTTP
// and HTTPS port of every pod and external of a run. Plain JavaScript, no dependencies, so
// it starts in a few tens of milliseconds. Usage: node appserver.mjs <config.json> [fds]
// config: { label?, ipv6?, listeners: [{ port, protocol: "TCP"|"UDP", app, label?, family?, tls?: { cert, key, plaintext } }] }
// fds ("3,4,5"): one socket per listener, in order, already bound (and listening, for TCP)
// in its pod's network namespace by the namespace helper (ns-helper.pl): the process runs
// in one namespace and serves in each pod's own, so every packet still meets that pod's
// policy. Without fds it binds the ports itself, in its own namespace. A listener's label
// (its pod, "ns/pod") answers in the HTTP header x-flowproof-pod.
// With ipv6 (or family 6), a port listens on both families (one dual-stack socket on ::),
// else on IPv4 only (0.0.0.0). A TCP listener with tls serves inside TLS (echo, HTTP: HTTPS); with
// tls.plaintext too, the first byte a client sends picks: 0x16 (a TLS handshake record) goes
// to the TLS server, anything else is answered in plaintext on the same port.
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer } from 'node:tls';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fds = process.argv[3] ? process.argv[3].split(',').map(Number) : undefined;
const host = config.ipv6 ? '::' : '0.0.0.0';

function fail(what, err) {
  process.stderr.write(`${what}: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
}

function httpHandler(label, port, scheme) {
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
  return l.app === 'http' || l.app === 'https' ? createHttpServer(httpHandler(l.label, l.port, scheme)) : createTcpServer(echo);
}

/** TLS on the port; with tls.plaintext a front server hands each connection to TLS or plaintext by its first byte. */
function tlsServer(l) {
  const creds = { cert: readFileSync(l.tls.cert), key: readFileSync(l.tls.key) };
  const secure = l.app === 'http' || l.app === 'https' ? createHttpsServer(creds, httpHandler(l.label, l.port, 'https')) : createTlsServer(creds, echo);
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

if (fds && fds.length !== config.listeners.length) fail('app server', new Error(`${fds.length} sockets for ${config.listeners.length} listeners`));
let pending = config.listeners.length;
const listening = () => {
  if (--pending === 0) process.stdout.write(`app server: serving ${config.listeners.length} listeners\n`);
};

config.listeners.forEach((listener, i) => {
  const l = { ...listener, label: listener.label ?? config.label };
  const where = `${l.label}: ${l.app} ${l.port}/${l.protocol}`;
  const fd = fds ? fds[i] : undefined;
  const v6 = l.family ? l.family === 6 : Boolean(config.ipv6);
  if (l.protocol === 'UDP') {
    const sock = v6 ? createSocket({ type: 'udp6', ipv6Only: false }) : createSocket('udp4');
    sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
    sock.on('error', (err) => fail(where, err));
    if (fd !== undefined) sock.bind({ fd }, listening);
    else sock.bind(l.port, host, listening);
    return;
  }
  const server = l.tls ? tlsServer(l) : plainServer(l, l.app === 'https' ? 'https' : 'http');
  server.on('error', (err) => fail(where, err));
  if (fd !== undefined) server.listen({ fd }, listening);
  else server.listen({ port: l.port, host, ipv6Only: false }, listening);
});
if (pending === 0) process.stdout.write('app server: serving 0 listeners\n');

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
