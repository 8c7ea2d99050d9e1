// tls: the TLS handshake on any TCP port, as `openssl s_client` sees it (issue 18), and, without
// ProbeTarget.tls, the plaintext check of an echo app (a line sent, the echo read back).
//
// With ProbeTarget.tls, one sh script (tools: sh, timeout, openssl):
//   timeout T openssl s_client -state -connect <ip>:<port> -servername <name> -verify_hostname <name>
//     -CAfile <ca> -no-CApath -no-CAstore -showcerts </dev/null
// prints s_client's report, then the server certificate through `openssl x509` (subject,
// issuer, notAfter, SANs). No -verify_return_error: the handshake goes on past a bad
// certificate, so the observation says both that it completed and why the certificate fails.
// Only the run's CA is trusted (no system store). The reading is a TlsObservation
// (Classification.tls) and the outcome stays about the network: a TCP connection made is
// ALLOWED whatever TLS then did (-state prints "SSL_connect:before SSL initialization" on
// stderr, unbuffered, once connected: a silent server is told from a dropped SYN).
//
// Without ProbeTarget.tls: `timeout T nc -v -W 1 <host> <port>` with a nonce line on stdin;
// appAnswered when the line comes back.
import type { ExecResult } from '../provider.ts';
import { execDeadline, fractionalSeconds, hostForUrl, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import { caFileProblem } from './tls-failure.ts';
import { certificateMarker, parseTlsObservation } from './tls-observation.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';
import { newNonce } from './udp.ts';

/** Exit statuses of `timeout` (coreutils 124; busybox reports the TERM signal, 143). */
const timedOutExits = new Set([124, 143]);

/** $1 timeout, $2 host:port, $3 server name, $4 CA file, $5 a -starttls protocol or empty; s_client's exit status is the script's. */
export const tlsProbeScript = [
  // $st is unquoted on purpose: empty, or the two words -starttls <postgres|mysql> (never user text).
  'st=""; case "$5" in postgres|mysql) st="-starttls $5" ;; esac; o=$(timeout "$1" openssl s_client -state -connect "$2" -servername "$3" -verify_hostname "$3" -CAfile "$4" -no-CApath -no-CAstore -showcerts $st </dev/null)',
  'rc=$?',
  `printf '%s\\n' "$o" '${certificateMarker}'`,
  `printf '%s\\n' "$o" | openssl x509 -noout -subject -issuer -enddate -ext subjectAltName -nameopt RFC2253 2>/dev/null`,
  'exit $rc',
].join('\n');

const noncePattern = /flowproof-nonce-[0-9a-f]{16}/;

function classifyHandshake(r: ExecResult, t: ProbeTarget & { tls: NonNullable<ProbeTarget['tls']> }): Classification {
  const text = `${r.stderr}\n${r.stdout}`;
  const ca = caFileProblem(r.stderr, t.tls.caFile);
  if (ca) return { outcome: 'PROBE-ERROR', detail: ca };
  const connected = /SSL_connect:before SSL initialization/.test(r.stderr) || /^CONNECTED\(/m.test(r.stdout);
  if (!connected) {
    const stated = refusal(text) ?? localRoutingFailure(text);
    if (stated) return stated;
    if (r.exitCode !== null && timedOutExits.has(r.exitCode)) return { outcome: 'DENIED', detail: 'no answer to the TCP SYN before the timeout (openssl s_client killed by timeout)' };
    return unrecognised(r, 'openssl');
  }
  let tls = parseTlsObservation(r.stdout, r.stderr, t.tls.serverName);
  if (!tls.handshake && r.exitCode !== null && timedOutExits.has(r.exitCode) && tls.failure === 'handshake-failed') {
    tls = { ...tls, detail: 'no TLS handshake: the server accepted the TCP connection but did not complete a handshake before the timeout' };
  }
  return { outcome: 'ALLOWED', detail: `TCP connection made; TLS: ${tls.detail}`, appAnswered: tls.handshake && tls.verified, tls };
}

function classifyEcho(r: ExecResult): Classification {
  const text = `${r.stderr}\n${r.stdout}`;
  const connected = /succeeded|Connected to/i.test(r.stderr);
  const echoed = noncePattern.exec(r.stdout);
  if (echoed) return { outcome: 'ALLOWED', detail: `the app echoed the plaintext line back (${echoed[0]})`, appAnswered: true };
  if (r.stdout.length > 0) {
    // A TLS record (content type 21 alert or 22 handshake, version 3.x): the app speaks only TLS.
    const tlsRecord = /^[\x15\x16]\x03[\x00-\x04]/.test(r.stdout);
    const what = tlsRecord ? 'a TLS record (an alert): the app answers only TLS' : `${r.stdout.length} bytes that are not the echo`;
    return { outcome: 'ALLOWED', detail: `TCP connection made; the plaintext line was not echoed, the app sent ${what}`, appAnswered: false };
  }
  if (connected) {
    const timedOut = r.exitCode !== null && timedOutExits.has(r.exitCode);
    const what = timedOut ? 'nothing came back before the timeout' : 'the app closed the connection without answering';
    return { outcome: 'ALLOWED', detail: `TCP connection made, but the plaintext line was not echoed: ${what}`, appAnswered: false };
  }
  const stated = refusal(text) ?? localRoutingFailure(text);
  if (stated) return stated;
  if (r.exitCode !== null && timedOutExits.has(r.exitCode)) return { outcome: 'DENIED', detail: 'no answer to the TCP SYN before the timeout (nc killed by timeout)' };
  return unrecognised(r, 'nc');
}

export const tlsProbe: ProbeDefinition = {
  kind: 'tls',
  tool: 'openssl',
  tools: ['sh', 'timeout', 'openssl', 'nc'],
  protocols: ['TCP'],
  tls: true,
  command(t: ProbeTarget, timeoutMs: number) {
    const seconds = fractionalSeconds(timeoutMs);
    if (!t.tls) {
      return { argv: ['timeout', seconds, 'nc', '-v', '-W', '1', t.host, String(t.port)], stdin: `${newNonce()}\n`, timeoutMs: execDeadline(timeoutMs), tool: 'nc' };
    }
    return {
      argv: ['sh', '-c', tlsProbeScript, 'tls-probe', seconds, `${hostForUrl(t.host)}:${t.port}`, t.tls.serverName, t.tls.caFile, ...(t.tls.starttls ? [t.tls.starttls] : [])],
      timeoutMs: execDeadline(timeoutMs),
      tool: 'openssl',
    };
  },
  classify(r: ExecResult, t: ProbeTarget): Classification {
    const early = precheck(r, t.tls ? 'openssl' : 'nc');
    if (early) return early;
    return t.tls ? classifyHandshake(r, { ...t, tls: t.tls }) : classifyEcho(r);
  },
};
