// flowproof's small application server: one process per pod serves every echo (TCP and
// UDP), HTTP and HTTPS port the pod declares. Plain JavaScript, no dependencies, so it
// starts in a few tens of milliseconds. Usage: node appserver.mjs <config.json>
// config: { label, cert?, key?, ipv6?, listeners: [{ port, protocol: "TCP"|"UDP", app }] }
// With ipv6, every port listens on both families (one dual-stack socket on ::), else on
// IPv4 only (0.0.0.0).
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

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

for (const l of config.listeners) {
  const where = `${l.app} ${l.port}/${l.protocol}`;
  if (l.protocol === 'UDP') {
    const sock = config.ipv6 ? createSocket({ type: 'udp6', ipv6Only: false }) : createSocket('udp4');
    sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
    sock.on('error', (err) => fail(where, err));
    sock.bind(l.port, host);
    continue;
  }
  let server;
  if (l.app === 'http') server = createHttpServer(httpHandler(l.port, 'http'));
  else if (l.app === 'https') server = createHttpsServer({ cert: readFileSync(config.cert), key: readFileSync(config.key) }, httpHandler(l.port, 'https'));
  else
    server = createTcpServer((conn) => {
      conn.on('error', () => conn.destroy());
      conn.pipe(conn);
    });
  server.on('error', (err) => fail(where, err));
  server.listen({ port: l.port, host, ipv6Only: false });
}

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
process.stdout.write(`${label}: serving ${config.listeners.map((l) => `${l.app} ${l.port}/${l.protocol}`).join(', ')}\n`);
