// Test prober for the wire matrix, started once per source namespace. It reads one JSON
// request per line on stdin ({ timeoutMs, targets: [{ id, ip, port, protocol }] }), tries
// every target at once (TCP connect, or a UDP datagram that must be echoed) and writes
// {"<id>": true|false} as one line. Local RTT is microseconds, so a few hundred ms
// separates an answer from a drop. Usage: node prober.mjs
import { createConnection } from 'node:net';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';

// On a busy machine the event loop can stall past the timeout; timers run before I/O in
// each loop turn, so a deadline is only declared after one more poll phase (setImmediate)
// has delivered whatever answers already arrived.
function deadline(ms, fn) {
  return setTimeout(() => setImmediate(fn), ms);
}

function tcp(t, ms) {
  return new Promise((resolve) => {
    const sock = createConnection({ host: t.ip, port: t.port });
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = deadline(ms, () => done(false));
    sock.on('connect', () => done(true));
    sock.on('error', () => done(false));
  });
}

// Each datagram leaves from a source port this prober has not used before: an old
// conntrack entry with the same 5-tuple (established under an earlier, more open policy)
// would otherwise let a datagram through that the current policy denies, as it would in
// any cluster. Kernel-chosen ports repeat often enough over a few thousand probes.
let nextPort = 10000;
function freshPort() {
  const port = nextPort;
  nextPort = nextPort >= 60000 ? 10000 : nextPort + 1;
  return port;
}

function udp(t, ms) {
  return new Promise((resolve) => {
    const sock = createSocket(t.ip.includes(':') ? 'udp6' : 'udp4');
    const nonce = randomBytes(8).toString('hex');
    const done = (ok) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        // closed already
      }
      resolve(ok);
    };
    const timer = deadline(ms, () => done(false));
    sock.on('message', (msg) => done(msg.toString() === nonce));
    sock.on('error', () => done(false));
    const send = () =>
      sock.send(nonce, t.port, t.ip, (err) => {
        if (err) done(false);
      });
    sock.once('listening', send);
    sock.bind(freshPort());
  });
}

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const { timeoutMs, targets } = JSON.parse(line);
  const results = await Promise.all(targets.map((t) => (t.protocol === 'UDP' ? udp(t, timeoutMs) : tcp(t, timeoutMs))));
  process.stdout.write(`${JSON.stringify(Object.fromEntries(targets.map((t, i) => [t.id, results[i]])))}\n`);
});
lines.on('close', () => process.exit(0));
