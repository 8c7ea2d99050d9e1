// classify() against outputs recorded from the real tools (Debian bookworm: netcat-openbsd
// 1.219, psql 15, redis-cli 7.0, sipp 3.6.1, curl 7.88, dig 9.18), plus the musl spellings
// netshoot's tools print. Pure: no namespace, no root.
import { expect } from 'chai';
import type { ExecResult } from '../../lib/provider.ts';
import { probes } from '../../lib/probes/index.ts';
import type { ProbeTarget } from '../../lib/probes/index.ts';
import type { Outcome, ProbeKind } from '../../lib/types.ts';

const tcp: ProbeTarget = { host: '10.77.0.1', port: 5432, protocol: 'TCP' };
const udp: ProbeTarget = { host: '10.77.0.1', port: 5060, protocol: 'UDP' };

function ran(exitCode: number | null, stdout: string, stderr = '', extra: Partial<ExecResult> = {}): ExecResult {
  return { exitCode, stdout, stderr, timedOut: false, durationMs: 20, ...extra };
}

function reads(kind: ProbeKind, r: ExecResult, outcome: Outcome, detail: RegExp, target: ProbeTarget = tcp): void {
  const c = probes[kind].classify(r, target);
  expect(c.outcome, c.detail).to.equal(outcome);
  expect(c.detail).to.match(detail);
}

describe('probe output classification (recorded outputs)', () => {
  describe('every probe: the probe could not run', () => {
    for (const kind of Object.keys(probes) as ProbeKind[]) {
      it(`${kind}: exec failure, missing tool, deadline kill are PROBE-ERROR`, () => {
        const t = probes[kind].protocols.includes('TCP') ? tcp : udp;
        reads(kind, ran(null, '', '', { execError: 'spawn ip ENOENT' }), 'PROBE-ERROR', /could not run the probe: spawn ip ENOENT/, t);
        reads(kind, ran(1, '', 'exec of "flowproof-no-such-tool" failed: No such file or directory\n'), 'PROBE-ERROR', /was not found/, t);
        reads(kind, ran(127, '', 'timeout: failed to run command ‘redis-cli’: No such file or directory\n'), 'PROBE-ERROR', /was not found/, t);
        reads(kind, ran(127, '', 'sip-options-probe: 4: sipp: not found\n'), 'PROBE-ERROR', /was not found/, t);
        reads(kind, ran(126, '', 'OCI runtime exec failed: exec failed: unable to start container process: exec: "psql": executable file not found in $PATH'), 'PROBE-ERROR', /not executable/, t);
        reads(kind, ran(null, '', '', { timedOut: true, durationMs: 3500 }), 'PROBE-ERROR', /killed at the exec deadline after 3500 ms/, t);
      });
    }
  });

  describe('tcp (nc -z -v -w)', () => {
    it('reads connect, timeout, RST, ICMP and resolution failures', () => {
      reads('tcp', ran(0, '', 'Connection to 10.77.0.1 7007 port [tcp/*] succeeded!\n'), 'ALLOWED', /established/);
      reads('tcp', ran(1, '', 'nc: connect to 10.77.0.2 port 7007 (tcp) timed out: Operation now in progress\n'), 'DENIED', /timed out/);
      reads('tcp', ran(1, '', 'nc: connect to 10.77.0.3 port 7007 (tcp) failed: Connection refused\n'), 'REJECTED', /connection refused/);
      reads('tcp', ran(1, '', 'nc: connect to 10.77.0.4 port 7007 (tcp) failed: No route to host\n'), 'REJECTED', /no route to host/);
      reads('tcp', ran(1, '', 'nc: connect to 10.77.0.4 port 7007 (tcp) failed: Host is unreachable\n'), 'REJECTED', /no route to host/); // musl
      reads('tcp', ran(1, '', 'nc: connect to 10.77.0.2 port 7007 (tcp) timed out: Operation in progress\n'), 'DENIED', /timed out/); // musl
      reads('tcp', ran(1, '', 'nc: getaddrinfo for host "no-such-host.invalid" port 7007: Name or service not known\n'), 'PROBE-ERROR', /name resolution failed/);
      reads('tcp', ran(1, '', 'nc: getaddrinfo for host "x.svc" port 80: Name does not resolve\n'), 'PROBE-ERROR', /name resolution failed/); // musl
    });
    it('does not credit a deny for the source\'s own routing failure', () => {
      reads('tcp', ran(1, '', 'nc: connect to 10.99.0.1 port 9999 (tcp) failed: Network is unreachable\n'), 'PROBE-ERROR', /its own routing/);
    });
    it('an exit code alone proves nothing', () => {
      reads('tcp', ran(1, '', ''), 'PROBE-ERROR', /unrecognised nc result \(exit 1\): no output/);
    });
  });

  describe('udp (timeout T nc -u -W 1, nonce on stdin)', () => {
    const u: ProbeTarget = { host: '10.77.0.1', port: 7007, protocol: 'UDP' };
    it('only an answer is ALLOWED; exit 124 is silence; a silent early exit is the ICMP error', () => {
      reads('udp', ran(0, 'flowproof-nonce-6d9919b28498ab39\n'), 'ALLOWED', /echoed back \(flowproof-nonce-6d9919b28498ab39\)/, u);
      reads('udp', ran(0, 'some other reply'), 'ALLOWED', /not the echo \(16 bytes\)/, u);
      reads('udp', ran(124, ''), 'DENIED', /no datagram came back/, u);
      reads('udp', ran(143, ''), 'DENIED', /no datagram came back/, u); // busybox timeout
      reads('udp', ran(0, ''), 'REJECTED', /ICMP error/, u);
    });
  });

  describe('psql (select 1, connect_timeout, sslmode=disable, -w)', () => {
    const failed = (why: string) => ran(2, '', `psql: error: connection to server at "10.77.0.1", port 5432 failed: ${why}\n`);
    it('reaching authentication is the server answering', () => {
      reads('psql', ran(0, '1\n'), 'ALLOWED', /select 1/);
      reads('psql', failed('fe_sendauth: no password supplied'), 'ALLOWED', /asked for a password/);
      reads('psql', failed('FATAL:  role "flowproof" does not exist'), 'ALLOWED', /role does not exist/);
      reads('psql', failed('FATAL:  no pg_hba.conf entry for host "10.78.0.1", user "flowproof", database "postgres", no encryption'), 'ALLOWED', /pg_hba/);
      reads('psql', failed('FATAL:  password authentication failed for user "flowproof"'), 'ALLOWED', /password authentication failed/);
      reads('psql', failed('FATAL:  the database system is starting up'), 'ALLOWED', /not accepting queries yet/);
    });
    it('transport failures are silence or refusal, never an answer', () => {
      reads('psql', failed('timeout expired'), 'DENIED', /timeout expired/);
      reads('psql', failed('Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?'), 'REJECTED', /connection refused/);
      reads('psql', failed('No route to host\n\tIs the server running on that host and accepting TCP/IP connections?'), 'REJECTED', /no route to host/);
      reads('psql', ran(2, '', 'psql: error: could not translate host name "no-such-host.invalid" to address: Name or service not known\n'), 'PROBE-ERROR', /name resolution failed/);
    });
  });

  describe('redis (timeout T redis-cli PING)', () => {
    it('PONG, NOAUTH and server error lines are answers', () => {
      reads('redis', ran(0, 'PONG\n'), 'ALLOWED', /PONG/);
      reads('redis', ran(0, 'NOAUTH Authentication required.\n\n'), 'ALLOWED', /NOAUTH/);
      reads('redis', ran(0, '(error) NOAUTH Authentication required.\n'), 'ALLOWED', /NOAUTH/);
      reads('redis', ran(0, "DENIED Redis is running in protected mode because protected mode is enabled\n"), 'ALLOWED', /protected mode/);
    });
    it('timeout, refusal and resolution failures', () => {
      reads('redis', ran(124, ''), 'DENIED', /killed by timeout/);
      reads('redis', ran(1, '', 'Could not connect to Redis at 10.77.0.3:6379: Connection refused\n'), 'REJECTED', /connection refused/);
      reads('redis', ran(1, '', 'Could not connect to Redis at 10.77.0.4:6379: No route to host\n'), 'REJECTED', /no route to host/);
      reads('redis', ran(1, '', 'Could not connect to Redis at no-such-host.invalid:6379: Name or service not known\n'), 'PROBE-ERROR', /name resolution failed/);
    });
  });

  describe('sip-options (sipp UAC, message trace on stdout)', () => {
    const received = (status: string) =>
      `TCP message sent (387 bytes):\n\nOPTIONS sip:flowproof@10.77.0.1:5060 SIP/2.0\nVia: SIP/2.0/TCP 10.77.0.1:25039;branch=z9hG4bK-1\nCSeq: 1 OPTIONS\n\n` +
      `TCP message received [304] bytes :\n\n${status}\nVia: SIP/2.0/TCP 10.77.0.1:25039;branch=z9hG4bK-1\nCSeq: 1 OPTIONS\n`;
    it('any SIP response is ALLOWED', () => {
      reads('sip-options', ran(0, received('SIP/2.0 200 OK')), 'ALLOWED', /answered 200 OK/);
      reads('sip-options', ran(1, received('SIP/2.0 404 Not Found')), 'ALLOWED', /answered 404 Not Found/, udp);
      reads('sip-options', ran(1, received('SIP/2.0 405 Method Not Allowed\r')), 'ALLOWED', /answered 405 Method Not Allowed$/, udp);
    });
    it('its own request echoed back (sipp talking to itself) is not an answer', () => {
      const selfTalk = 'UDP message received [351] bytes :\n\nOPTIONS sip:service@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\n';
      reads('sip-options', ran(255, selfTalk, "2026-11-23\t09:30:23.077651\t1795426223.077651: sip-options-uac timed out after '1.000' seconds"), 'DENIED', /no SIP response/, udp);
    });
    it('timeouts, refusals, unknown hosts', () => {
      reads('sip-options', ran(255, '', "2026-11-23\t09:30:23.077651\t1795426223.077651: sip-options-uac timed out after '1.000' seconds"), 'DENIED', /sipp cannot see ICMP errors/, udp);
      reads('sip-options', ran(255, '', "2026-11-23\t09:30:36.986136\t1795426236.986136: sip-options-uac timed out after '1.996' seconds"), 'DENIED', /^no SIP response before the timeout$/);
      reads('sip-options', ran(255, '', '2026-11-23\t09:30:45.409140\t1795426245.409140: Error on TCP connection, remote peer probably closed the socket: Connection refused'), 'REJECTED', /connection refused/);
      reads('sip-options', ran(1, '', '2026-11-23\t09:30:43.941314\t1795426243.941314: Unable to send TCP message: No route to host'), 'REJECTED', /no route to host/);
      reads(
        'sip-options',
        ran(255, '', "2026-11-23\t09:37:55.507095\t1795426675.507095: getaddrinfo failed: Name or service not known2026-11-23\t09:37:55.507237\t1795426675.507237: Unknown remote host 'no-such-host.invalid'."),
        'PROBE-ERROR',
        /^name resolution failed: getaddrinfo failed: Name or service not known$/,
        udp,
      );
    });
  });

  for (const kind of ['http', 'https'] as const) {
    describe(`${kind} (curl -v -w)`, () => {
      const w = (code: string, connect: string) => `flowproof: http_code=${code} time_connect=${connect}\n`;
      it('any HTTP status is ALLOWED; a connected but mute server still proves the path', () => {
        reads(kind, ran(0, w('204', '0.000556')), 'ALLOWED', /^HTTP 204$/);
        reads(kind, ran(0, w('503', '0.000556')), 'ALLOWED', /^HTTP 503$/);
        reads(kind, ran(28, w('000', '0.000421'), 'curl: (28) Operation timed out after 1001 milliseconds with 0 bytes received\n'), 'ALLOWED', /TCP connection established, but no HTTP response \(curl: \(28\)/);
      });
      it('timeout, refusal, unreachable, resolution', () => {
        reads(kind, ran(28, w('000', '0.000000'), '*   Trying 10.77.0.2:8443...\n* Connection timed out after 1001 milliseconds\ncurl: (28) Connection timed out after 1001 milliseconds\n'), 'DENIED', /curl exit 28/);
        reads(kind, ran(7, w('000', '0.000000'), '* connect to 10.77.0.3 port 8080 failed: Connection refused\ncurl: (7) Failed to connect to 10.77.0.3 port 8080 after 3 ms: Couldn\'t connect to server\n'), 'REJECTED', /connection refused/);
        reads(kind, ran(7, w('000', '0.000000'), '* connect to 10.77.0.4 port 8443 failed: No route to host\ncurl: (7) Failed to connect to 10.77.0.4 port 8443 after 0 ms: Couldn\'t connect to server\n'), 'REJECTED', /no route to host/);
        reads(kind, ran(6, w('000', '0.000000'), 'curl: (6) Could not resolve host: no-such-host.invalid\n'), 'PROBE-ERROR', /name resolution failed/);
        reads(kind, ran(7, w('000', '0.000000'), "curl: (7) Failed to connect to 10.77.0.3 port 8080 after 3 ms: Couldn't connect to server\n"), 'PROBE-ERROR', /unrecognised curl result: curl: \(7\)/);
      });
    });
  }

  describe('dns (dig +time +tries=1)', () => {
    const header = (status: string) => `;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 4636\n;; flags: qr aa rd ra; QUERY: 1, ANSWER: 1\n`;
    const d: ProbeTarget = { host: '10.77.0.1', port: 53, protocol: 'UDP' };
    it('any answered query is ALLOWED, with the name it asked', () => {
      reads('dns', ran(0, header('NOERROR')), 'ALLOWED', /NOERROR for kubernetes\.default\.svc\.cluster\.local/, d);
      reads('dns', ran(0, header('NXDOMAIN')), 'ALLOWED', /NXDOMAIN for api\.prod\.svc\.cluster\.local/, { ...d, dnsName: 'api.prod.svc.cluster.local' });
      reads('dns', ran(0, header('SERVFAIL')), 'ALLOWED', /SERVFAIL/, d);
    });
    it('timeout, refusal, unreachable, resolution of the server name', () => {
      reads('dns', ran(9, ';; communications error to 10.77.0.2#53: timed out\n;; no servers could be reached\n'), 'DENIED', /no DNS answer/, d);
      reads('dns', ran(9, ';; communications error to 10.77.0.3#53: connection refused\n;; no servers could be reached\n'), 'REJECTED', /connection refused/, d);
      reads('dns', ran(9, ';; Connection to 10.77.0.4#53(10.77.0.4) for kubernetes.default.svc.cluster.local failed: host unreachable.\n;; no servers could be reached\n'), 'REJECTED', /no route to host/, { ...d, protocol: 'TCP' });
      reads('dns', ran(1, '', "dig: couldn't get address for 'no-such-host.invalid': not found\n"), 'PROBE-ERROR', /name resolution failed/, d);
    });
  });
});
