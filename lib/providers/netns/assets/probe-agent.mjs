// flowproof's probe agent: one long-lived process per source network namespace, making
// many plain TCP connects and UDP exchanges at once instead of one tool process per probe
// (as agnhost connect does upstream). Plain JavaScript, no dependencies. It reports what the
// socket saw and nothing more: reading it (ALLOWED, DENIED, REJECTED, PROBE-ERROR) is
// lib/probes' job (tcp.ts, udp.ts, agent.ts).
//
// stdin, one JSON request per line:
//   {"id":1,"kind":"tcp","host":"10.244.0.3","port":80,"timeoutMs":300}
//   {"id":2,"kind":"udp","host":"10.244.0.3","port":53,"timeoutMs":300,"nonce":"flowproof-nonce-…"}
// stdout, one JSON line per request, in the order they finish (first line: {"ready":true,…}):
//   {"id":1,"event":"connected","elapsedMs":0.4}            TCP: the handshake completed
//   {"id":2,"event":"datagram","bytes":33,"text":"…","elapsedMs":0.6}   UDP: a datagram came back
//   {"id":1,"event":"error","code":"ECONNREFUSED","syscall":"connect","message":"…","elapsedMs":0.2}
//   {"id":1,"event":"timeout","elapsedMs":300.2}             nothing before timeoutMs
//   {"id":2,"event":"timeout","sendError":"EPERM",…}         UDP: the send was refused locally, then silence
// Every socket is closed once its result is written. EOF on stdin ends the agent.
// Usage: node probe-agent.mjs
import { createConnection, isIP } from 'node:net';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';

const maxText = 512;

function write(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/**
 * Calls `fn` once at least `ms` have passed since `t0`, and only after one more poll phase
 * (setImmediate): timers run before I/O in each loop turn, so on a busy machine an answer
 * that already arrived is read before the silence is declared. A timer that fires early
 * (libuv rounds to whole ms) is armed again for the rest.
 */
function deadline(t0, ms, fn) {
  let timer;
  const arm = (wait) => {
    timer = setTimeout(() => {
      const left = ms - (performance.now() - t0);
      if (left > 0) arm(Math.ceil(left));
      else setImmediate(fn);
    }, wait);
  };
  arm(ms);
  return () => clearTimeout(timer);
}

function elapsed(t0) {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

function errorFields(err) {
  return { code: err && err.code ? String(err.code) : 'UNKNOWN', syscall: err && err.syscall ? String(err.syscall) : undefined, message: err && err.message ? String(err.message) : String(err) };
}

function tcp(req) {
  const t0 = performance.now();
  let done = false;
  let cancel = () => {};
  let sock;
  const finish = (result) => {
    if (done) return;
    done = true;
    cancel();
    if (sock) sock.destroy();
    write({ id: req.id, ...result, elapsedMs: elapsed(t0) });
  };
  try {
    sock = createConnection({ host: req.host, port: req.port, family: isIP(req.host) || undefined });
  } catch (err) {
    finish({ event: 'error', ...errorFields(err) });
    return;
  }
  cancel = deadline(t0, req.timeoutMs, () => finish({ event: 'timeout' }));
  sock.once('connect', () => finish({ event: 'connected' }));
  sock.on('error', (err) => finish({ event: 'error', ...errorFields(err) }));
}

// Each datagram leaves from a source port this agent has not used recently: an old conntrack
// entry with the same 5-tuple (made under an earlier, more open policy step) would otherwise
// let a datagram through that the policy in force denies. Ports cycle through the kernel's
// default ephemeral range; one in use is skipped.
const firstPort = 32768;
const lastPort = 60999;
let nextPort = firstPort + Math.floor(Math.random() * (lastPort - firstPort));
function takePort() {
  const p = nextPort;
  nextPort = nextPort >= lastPort ? firstPort : nextPort + 1;
  return p;
}

function udp(req, tries = 0) {
  const t0 = performance.now();
  let done = false;
  let cancel = () => {};
  let sock;
  const finish = (result) => {
    if (done) return;
    done = true;
    cancel();
    try {
      sock.close();
    } catch {
      // closed already
    }
    write({ id: req.id, ...result, elapsedMs: elapsed(t0) });
  };
  try {
    sock = createSocket(isIP(req.host) === 6 ? 'udp6' : 'udp4');
  } catch (err) {
    write({ id: req.id, event: 'error', ...errorFields(err), elapsedMs: elapsed(t0) });
    return;
  }
  let bound = false;
  let sendError;
  sock.on('error', (err) => {
    if (!bound && err && err.code === 'EADDRINUSE' && tries < 50) {
      done = true;
      try {
        sock.close();
      } catch {
        // closed already
      }
      udp(req, tries + 1);
      return;
    }
    finish({ event: 'error', ...errorFields(err) });
  });
  sock.on('message', (msg) => finish({ event: 'datagram', bytes: msg.length, text: msg.subarray(0, maxText).toString('latin1') }));
  sock.bind(takePort(), () => {
    bound = true;
    // A connected socket: the kernel reports ICMP port unreachable (and admin prohibited) to it.
    sock.connect(req.port, req.host, (err) => {
      if (err) return finish({ event: 'error', ...errorFields(err) });
      // The wait counts from the send, not from the bind.
      cancel = deadline(performance.now(), req.timeoutMs, () => finish({ event: 'timeout', ...(sendError ? { sendError } : {}) }));
      sock.send(`${req.nonce ?? ''}\n`, (sendErr) => {
        // EPERM: the source's own netfilter dropped the datagram as it was sent (on netns, an
        // egress deny of traffic to the pod's own address). Like nc, which ignores its failed
        // write, wait out the timeout and say so; any other send error ends the attempt.
        if (sendErr && sendErr.code === 'EPERM') sendError = 'EPERM';
        else if (sendErr) finish({ event: 'error', ...errorFields(sendErr) });
      });
    });
  });
}

function handle(line) {
  if (line.trim() === '') return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    write({ event: 'bad-request', message: `not JSON: ${err.message}` });
    return;
  }
  const ok = req && Number.isSafeInteger(req.id) && typeof req.host === 'string' && Number.isInteger(req.port) && req.port > 0 && req.port < 65536 && Number.isFinite(req.timeoutMs) && req.timeoutMs > 0;
  if (!ok) {
    write({ id: req && Number.isSafeInteger(req.id) ? req.id : undefined, event: 'bad-request', message: 'needs id, host, port (1-65535), timeoutMs > 0' });
    return;
  }
  if (req.kind === 'tcp') tcp(req);
  else if (req.kind === 'udp') udp(req);
  else write({ id: req.id, event: 'bad-request', message: `unknown kind ${JSON.stringify(req.kind)} (tcp or udp)` });
}

process.stdout.on('error', () => process.exit(0));
const lines = createInterface({ input: process.stdin });
lines.on('line', handle);
lines.on('close', () => process.exit(0));
write({ ready: true, pid: process.pid, node: process.version });
