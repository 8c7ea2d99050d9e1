// The TLS probe cases (issue 18), one table for both tests: tls-live.test.ts runs each against
// the real servers of TlsSandbox, and tls-recorded.test.ts reads the outputs recorded from the
// same runs (test/fixtures/probes/tls/<id>.json, made by record-tls-fixtures.ts) with no root.
import { expect } from 'chai';
import type { Classification, ProbeTarget } from '../../../lib/probes/index.ts';
import type { Outcome, ProbeKind, TlsObservation } from '../../../lib/types.ts';
import { serverName, tlsAddr, tlsPort } from './tls-sandbox.ts';

export interface TlsCase {
  /** The recorded fixture's file name. */
  id: string;
  title: string;
  kind: ProbeKind;
  /** The target, given the CA file the probe trusts. */
  target: (caFile: string) => ProbeTarget;
  timeoutMs: number;
  outcome: Outcome;
  /** true / false: Classification.appAnswered must be that; null: absent. */
  appAnswered: boolean | null;
  detail: RegExp;
  /** The `tls` probe's observation, the keys given. */
  tls?: Partial<TlsObservation>;
}

export const missingCaFile = '/nonexistent/flowproof-run-ca.crt';

const overTls = (port: number, host: string = tlsAddr.open) => (caFile: string): ProbeTarget => ({ host, port, protocol: 'TCP', tls: { serverName, caFile } });
const plain = (port: number, host: string = tlsAddr.open) => (): ProbeTarget => ({ host, port, protocol: 'TCP' });
const noCa = (port: number) => (): ProbeTarget => ({ host: tlsAddr.open, port, protocol: 'TCP', tls: { serverName, caFile: missingCaFile } });

export const tlsCases: TlsCase[] = [
  // The tls probe: the handshake.
  { id: 'tls-ok-tls13', title: 'tls: TLS 1.3, valid certificate', kind: 'tls', target: overTls(tlsPort.sserver.valid), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /TLSv1\.3 .*verified for db\.shop/,
    tls: { handshake: true, verified: true, version: 'TLSv1.3', subject: `CN=${serverName}`, issuer: 'CN=flowproof test CA', sans: [serverName], serverName } },
  { id: 'tls-ok-tls12', title: 'tls: a server limited to TLS 1.2', kind: 'tls', target: overTls(tlsPort.tls12), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /TLSv1\.2 ECDHE/,
    tls: { handshake: true, verified: true, version: 'TLSv1.2' } },
  { id: 'tls-wrong-name', title: 'tls: a certificate for another name', kind: 'tls', target: overTls(tlsPort.sserver['wrong-name']), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /not valid for the name \(verify error 62: hostname mismatch\).*other\.shop.*not for db\.shop/,
    tls: { handshake: true, verified: false, failure: 'certificate-name', subject: 'CN=other.shop.svc.cluster.local', sans: ['other.shop.svc.cluster.local'] } },
  { id: 'tls-expired', title: 'tls: an expired certificate', kind: 'tls', target: overTls(tlsPort.sserver.expired), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /certificate invalid: expired \(verify error 10: certificate has expired\)/,
    tls: { handshake: true, verified: false, failure: 'certificate-expired', notAfter: '2020-01-02T00:00:00.000Z' } },
  { id: 'tls-untrusted', title: 'tls: a certificate from a CA the probe does not trust', kind: 'tls', target: overTls(tlsPort.sserver.untrusted), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /chain does not verify .*verify error (20|21)/,
    tls: { handshake: true, verified: false, failure: 'certificate-chain', issuer: 'CN=untrusted test CA' } },
  { id: 'tls-old-version', title: 'tls: a server offering only TLS 1.1', kind: 'tls', target: overTls(tlsPort.tls11), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /old protocol version: the server chose TLSv1\.1/,
    tls: { handshake: false, verified: false, failure: 'old-version', version: 'TLSv1.1' } },
  { id: 'tls-no-tls', title: 'tls: a plaintext server (no TLS at all)', kind: 'tls', target: overTls(tlsPort.echo), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /no TLS handshake: .*does not speak TLS/,
    tls: { handshake: false, verified: false, failure: 'handshake-failed' } },
  { id: 'tls-silent', title: 'tls: a server that accepts and never answers', kind: 'tls', target: overTls(tlsPort.silent), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /did not complete a handshake before the timeout/,
    tls: { handshake: false, failure: 'handshake-failed' } },
  { id: 'tls-refused', title: 'tls: connection refused', kind: 'tls', target: overTls(tlsPort.closed), timeoutMs: 1000, outcome: 'REJECTED', appAnswered: null, detail: /connection refused/ },
  { id: 'tls-timeout', title: 'tls: SYN dropped (timeout)', kind: 'tls', target: overTls(tlsPort.sserver.valid, tlsAddr.drop), timeoutMs: 1000, outcome: 'DENIED', appAnswered: null, detail: /no answer to the TCP SYN/ },
  { id: 'tls-no-ca-file', title: 'tls: the CA file is missing where the probe runs', kind: 'tls', target: noCa(tlsPort.sserver.valid), timeoutMs: 1000, outcome: 'PROBE-ERROR', appAnswered: null, detail: /CA file \/nonexistent\/flowproof-run-ca\.crt could not be read/ },
  // The tls probe's plaintext check: a line echoed back.
  { id: 'tls-plain-echo', title: 'tls plaintext: an echo server echoes the line', kind: 'tls', target: plain(tlsPort.echo), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: true, detail: /echoed the plaintext line back \(flowproof-nonce-/ },
  { id: 'tls-plain-to-tls', title: 'tls plaintext: a TLS-only server refuses the line', kind: 'tls', target: plain(tlsPort.sserver.valid), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /not echoed/ },
  { id: 'tls-plain-silent', title: 'tls plaintext: a silent server', kind: 'tls', target: plain(tlsPort.silent), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /nothing came back before the timeout/ },
  { id: 'tls-plain-refused', title: 'tls plaintext: connection refused', kind: 'tls', target: plain(tlsPort.closed), timeoutMs: 1000, outcome: 'REJECTED', appAnswered: null, detail: /connection refused/ },
  { id: 'tls-plain-timeout', title: 'tls plaintext: SYN dropped', kind: 'tls', target: plain(tlsPort.echo, tlsAddr.drop), timeoutMs: 1000, outcome: 'DENIED', appAnswered: null, detail: /no answer to the TCP SYN/ },

  // redis
  { id: 'redis-tls-ok', title: 'redis over TLS: PONG', kind: 'redis', target: overTls(tlsPort.redis.valid), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: true, detail: /PONG over TLS/ },
  { id: 'redis-tls-wrong-name', title: 'redis over TLS: redis-cli does not check the name (the tls probe does)', kind: 'redis', target: overTls(tlsPort.redis['wrong-name']), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: true, detail: /does not check the name/ },
  { id: 'redis-tls-expired', title: 'redis over TLS: expired certificate', kind: 'redis', target: overTls(tlsPort.redis.expired), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /certificate did not verify/ },
  { id: 'redis-tls-untrusted', title: 'redis over TLS: untrusted chain', kind: 'redis', target: overTls(tlsPort.redis.untrusted), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /certificate did not verify/ },
  // A known limit: a plaintext redis reads the ClientHello as an unfinished inline command and
  // waits; redis-cli prints nothing before an answer, so this reads as silence (DENIED). The tls
  // probe on the same port sees the connection (tls-no-tls).
  { id: 'redis-tls-no-tls', title: 'redis over TLS to a plaintext redis: redis-cli reports nothing, read as silence (a known limit)', kind: 'redis', target: overTls(tlsPort.redisPlain), timeoutMs: 1000, outcome: 'DENIED', appAnswered: null, detail: /cannot tell a dropped SYN from a server that never completed the TLS handshake/ },
  { id: 'redis-tls-refused', title: 'redis over TLS: connection refused', kind: 'redis', target: overTls(tlsPort.closed), timeoutMs: 1000, outcome: 'REJECTED', appAnswered: null, detail: /connection refused/ },
  { id: 'redis-tls-timeout', title: 'redis over TLS: SYN dropped', kind: 'redis', target: overTls(tlsPort.redis.valid, tlsAddr.drop), timeoutMs: 1000, outcome: 'DENIED', appAnswered: null, detail: /killed by timeout/ },
  { id: 'redis-tls-no-ca-file', title: 'redis over TLS: the CA file is missing', kind: 'redis', target: noCa(tlsPort.redis.valid), timeoutMs: 1000, outcome: 'PROBE-ERROR', appAnswered: null, detail: /CA file .* could not be read/ },
  { id: 'redis-plain-to-tls', title: 'redis plaintext: a TLS-only redis refuses it', kind: 'redis', target: plain(tlsPort.redis.valid), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /without a redis answer/ },
  { id: 'redis-plain-ok', title: 'redis plaintext: a plaintext redis answers', kind: 'redis', target: plain(tlsPort.redisPlain), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: true, detail: /^redis answered PONG$/ },

  // psql
  { id: 'psql-tls-ok', title: 'psql verify-full: postgres answers over TLS', kind: 'psql', target: overTls(tlsPort.postgres.valid), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /role does not exist \(over TLS, certificate verified\)/ },
  { id: 'psql-tls-wrong-name', title: 'psql verify-full: a certificate for another name', kind: 'psql', target: overTls(tlsPort.postgres['wrong-name']), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /not valid for the name \(server certificate for "other\.shop/ },
  { id: 'psql-tls-expired', title: 'psql verify-full: expired certificate', kind: 'psql', target: overTls(tlsPort.postgres.expired), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /certificate did not verify/ },
  { id: 'psql-tls-untrusted', title: 'psql verify-full: untrusted chain', kind: 'psql', target: overTls(tlsPort.postgres.untrusted), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /certificate did not verify/ },
  { id: 'psql-tls-no-tls', title: 'psql verify-full: a server that does not speak postgres TLS', kind: 'psql', target: overTls(tlsPort.echo), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /but handshake failed \(received invalid response to SSL negotiation/ },
  { id: 'psql-tls-refused', title: 'psql verify-full: connection refused', kind: 'psql', target: overTls(tlsPort.closed), timeoutMs: 2000, outcome: 'REJECTED', appAnswered: null, detail: /connection refused/ },
  { id: 'psql-tls-timeout', title: 'psql verify-full: SYN dropped', kind: 'psql', target: overTls(tlsPort.postgres.valid, tlsAddr.drop), timeoutMs: 2000, outcome: 'DENIED', appAnswered: null, detail: /timeout expired/ },
  { id: 'psql-tls-no-ca-file', title: 'psql verify-full: the CA file is missing', kind: 'psql', target: noCa(tlsPort.postgres.valid), timeoutMs: 2000, outcome: 'PROBE-ERROR', appAnswered: null, detail: /CA file .* could not be read/ },
  { id: 'psql-plain-hostssl', title: 'psql sslmode=disable: a hostssl-only pg_hba refuses plaintext', kind: 'psql', target: plain(tlsPort.postgres.valid), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /refused the unencrypted connection/ },
  { id: 'psql-plain-accepted', title: 'psql sslmode=disable: a server taking plaintext too answers', kind: 'psql', target: plain(tlsPort.postgres['wrong-name']), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /^postgres answered: the role does not exist$/ },

  // curl: https (and http with tls: it is https)
  { id: 'https-tls-ok', title: 'https --cacert: HTTP over TLS 1.3', kind: 'https', target: overTls(tlsPort.https), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /^HTTP 200 over TLSv1\.3 \S+, certificate verified for db\.shop/ },
  { id: 'https-tls12', title: 'https --cacert: a server limited to TLS 1.2', kind: 'https', target: overTls(tlsPort.https12), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /^HTTP 200 over TLSv1\.2 ECDHE/ },
  { id: 'http-tls-ok', title: 'http with tls is https with --cacert', kind: 'http', target: overTls(tlsPort.https), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /^HTTP 200 over TLSv1\.3/ },
  { id: 'https-tls-wrong-name', title: 'https --cacert: a certificate for another name', kind: 'https', target: overTls(tlsPort.sserver['wrong-name']), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /not valid for the name \(no alternative certificate subject name matches/ },
  { id: 'https-tls-expired', title: 'https --cacert: expired certificate', kind: 'https', target: overTls(tlsPort.sserver.expired), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /certificate invalid: expired \(certificate has expired\)/ },
  { id: 'https-tls-untrusted', title: 'https --cacert: untrusted chain', kind: 'https', target: overTls(tlsPort.sserver.untrusted), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /chain does not verify against the run's CA \(unable to get local issuer certificate\)/ },
  { id: 'https-tls-old-version', title: 'https --cacert: a server offering only TLS 1.1', kind: 'https', target: overTls(tlsPort.tls11), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /old protocol version/ },
  { id: 'https-tls-no-tls', title: 'https --cacert: a plaintext server', kind: 'https', target: overTls(tlsPort.echo), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /but handshake failed \(/ },
  { id: 'https-tls-refused', title: 'https --cacert: connection refused', kind: 'https', target: overTls(tlsPort.closed), timeoutMs: 1000, outcome: 'REJECTED', appAnswered: null, detail: /connection refused/ },
  { id: 'https-tls-timeout', title: 'https --cacert: SYN dropped', kind: 'https', target: overTls(tlsPort.https, tlsAddr.drop), timeoutMs: 1000, outcome: 'DENIED', appAnswered: null, detail: /no answer to the TCP SYN/ },
  { id: 'https-tls-no-ca-file', title: 'https --cacert: the CA file is missing', kind: 'https', target: noCa(tlsPort.https), timeoutMs: 1000, outcome: 'PROBE-ERROR', appAnswered: null, detail: /CA file .* could not be read/ },
  { id: 'http-plain-ok', title: 'http plaintext: a plaintext HTTP server answers', kind: 'http', target: plain(tlsPort.http), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: true, detail: /^HTTP 204$/ },
  { id: 'http-plain-to-tls', title: 'http plaintext: a TLS-only server refuses it', kind: 'http', target: plain(tlsPort.https), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /TCP connection established, but no HTTP response/ },
  { id: 'http-plain-fake-go-400', title: 'http plaintext: a FAKE of Go\'s HTTPS server answering 400 with no header', kind: 'http', target: plain(tlsPort.fakeGo400), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /HTTP 400 with no header field/ },

  // sip-options over TLS (openssl s_client), and its plaintext check over TCP (sipp)
  { id: 'sip-tls-ok', title: 'sip-options over TLS: 200 OK', kind: 'sip-options', target: overTls(tlsPort.sip.valid), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /^SIP server answered 200 OK over TLS, certificate verified for db\.shop/ },
  { id: 'sip-tls-wrong-name', title: 'sip-options over TLS: a certificate for another name', kind: 'sip-options', target: overTls(tlsPort.sip['wrong-name']), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /not valid for the name \(verify error 62: hostname mismatch\)/ },
  { id: 'sip-tls-expired', title: 'sip-options over TLS: expired certificate', kind: 'sip-options', target: overTls(tlsPort.sip.expired), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /certificate invalid: expired \(verify error 10: certificate has expired\)/ },
  { id: 'sip-tls-untrusted', title: 'sip-options over TLS: untrusted chain', kind: 'sip-options', target: overTls(tlsPort.sip.untrusted), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /chain does not verify against the run's CA \(verify error 20/ },
  { id: 'sip-tls-no-tls', title: 'sip-options over TLS: a plaintext server', kind: 'sip-options', target: overTls(tlsPort.echo), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /but handshake failed \(unexpected message\)/ },
  { id: 'sip-tls-silent', title: 'sip-options over TLS: a silent server', kind: 'sip-options', target: overTls(tlsPort.silent), timeoutMs: 1000, outcome: 'ALLOWED', appAnswered: false, detail: /no TLS handshake before the timeout/ },
  { id: 'sip-tls-refused', title: 'sip-options over TLS: connection refused', kind: 'sip-options', target: overTls(tlsPort.closed), timeoutMs: 1000, outcome: 'REJECTED', appAnswered: null, detail: /connection refused/ },
  { id: 'sip-tls-timeout', title: 'sip-options over TLS: SYN dropped', kind: 'sip-options', target: overTls(tlsPort.sip.valid, tlsAddr.drop), timeoutMs: 1000, outcome: 'DENIED', appAnswered: null, detail: /no answer to the TCP SYN/ },
  { id: 'sip-tls-no-ca-file', title: 'sip-options over TLS: the CA file is missing', kind: 'sip-options', target: noCa(tlsPort.sip.valid), timeoutMs: 1000, outcome: 'PROBE-ERROR', appAnswered: null, detail: /CA file .* could not be read/ },
  { id: 'sip-plain-to-tls', title: 'sip-options plaintext over TCP: a TLS-only server ends the connection', kind: 'sip-options', target: plain(tlsPort.sip.valid), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: false, detail: /OPTIONS sent, but the server ended the connection without a SIP answer/ },
  { id: 'sip-plain-ok', title: 'sip-options plaintext over TCP: the UAS answers', kind: 'sip-options', target: plain(tlsPort.sipPlain, '127.0.0.1'), timeoutMs: 2000, outcome: 'ALLOWED', appAnswered: true, detail: /^SIP server answered 200 OK$/ },
];

/** Asserts one classification (or attempt) against its case. */
export function expectCase(c: TlsCase, got: Classification, context: string): void {
  expect(got.outcome, context).to.equal(c.outcome);
  expect(got.detail, context).to.match(c.detail);
  if (c.appAnswered === null) expect(got.appAnswered, `${context}\nappAnswered`).to.equal(undefined);
  else expect(got.appAnswered, `${context}\nappAnswered`).to.equal(c.appAnswered);
  if (c.kind === 'tls' && c.target('/ca.crt').tls && c.outcome === 'ALLOWED') {
    expect(got.tls, `${context}\nobservation`).to.not.equal(undefined);
    for (const [k, v] of Object.entries(c.tls ?? {})) expect((got.tls as unknown as Record<string, unknown>)[k], `${context}\nobservation.${k}`).to.deep.equal(v);
  } else {
    expect(got.tls, `${context}\nno observation`).to.equal(undefined);
  }
}
