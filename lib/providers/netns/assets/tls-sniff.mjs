// flowproof's TLS sniffer: one port answering both TLS and the plaintext protocol, for a
// served port with tlsOnly: false whose server keeps the two on separate sockets (redis'
// tls-port and port; sipp behind socat). It reads the first byte a client sends: 0x16 (a TLS
// handshake record, the ClientHello) goes to 127.0.0.1:<tls-port>, anything else to
// 127.0.0.1:<plain-port>; then it only copies bytes both ways (either half may close first).
// The TLS session is between the client and the server behind it. Plain JavaScript, no
// dependencies. Usage: node tls-sniff.mjs <label> <port> <tls-port> <plain-port> [ipv6]
import { connect, createServer } from 'node:net';

const [label, port, tlsPort, plainPort, family] = process.argv.slice(2);
const host = family === 'ipv6' ? '::' : '0.0.0.0';

const server = createServer({ allowHalfOpen: true }, (client) => {
  client.on('error', () => client.destroy());
  client.once('end', () => client.end());
  client.once('data', (first) => {
    client.removeAllListeners('end');
    client.pause();
    const upstream = connect({ host: '127.0.0.1', port: Number(first[0] === 0x16 ? tlsPort : plainPort), allowHalfOpen: true });
    upstream.on('error', () => {
      upstream.destroy();
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.write(first);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
});
server.on('error', (err) => {
  process.stderr.write(`${label}: ${port}/TCP: ${err.message}\n`);
  process.exit(1);
});
server.listen({ port: Number(port), host, ipv6Only: false }, () => {
  process.stdout.write(`${label}: ${port}/TCP: TLS to 127.0.0.1:${tlsPort}, plaintext to 127.0.0.1:${plainPort}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
