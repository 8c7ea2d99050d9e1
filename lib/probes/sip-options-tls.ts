// sip-options over TLS (SIP on 5061, ProbeTarget.tls). Debian's sipp is built without TLS, so
// a hand-built OPTIONS request (on stdin) goes through `openssl s_client -quiet`, which
// verifies the certificate for the server name against the CA (-verify_return_error: a bad
// certificate ends the handshake, and stderr names the verify error), and the first
// `SIP/2.0 NNN` status line read back is the answer.
//
// s_client -quiet keeps reading after its stdin ends, and a SIP server keeps the connection
// open, so the script stops s_client once a status line arrives instead of waiting for the
// timeout: s_client runs under `timeout` in the background (its stdin the script's, passed
// explicitly: a background job's stdin is /dev/null otherwise), its output is read line by
// line, and the status line kills it. The script exits 0 with a status line, else with the
// exit status of `timeout` (124: nothing in time; 1: s_client failed). Tools: sh, timeout, openssl.
import { randomBytes } from 'node:crypto';
import type { ExecRequest, ExecResult } from '../provider.ts';
import { execDeadline, fractionalSeconds, hostForUrl, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import { caFileProblem, tlsFailureIn, verifyCodeFailure, failureWords } from './tls-failure.ts';
import type { Classification, ProbeTarget } from './types.ts';

/** $1 timeout, $2 host:port, $3 server name, $4 CA file; the request on stdin. */
export const sipTlsScript = [
  'exec 3<&0',
  '{',
  '  timeout "$1" openssl s_client -quiet -state -connect "$2" -servername "$3" -verify_hostname "$3" -CAfile "$4" -no-CApath -no-CAstore -verify_return_error <&3 &',
  '  p=$!',
  '  echo "flowproof-pid $p"',
  '  wait "$p"',
  '  echo "flowproof-exit $?"',
  '} | {',
  '  seen=; rc=1; p=',
  '  while IFS= read -r l; do',
  '    case $l in',
  `      'flowproof-pid '*) p=\${l#flowproof-pid } ;;`,
  `      'flowproof-exit '*) rc=\${l#flowproof-exit } ;;`,
  `      'SIP/2.0 '[0-9][0-9][0-9]*) printf '%s\\n' "$l"; if [ -z "$seen" ]; then seen=1; [ -n "$p" ] && kill "$p" 2>/dev/null; fi ;;`,
  `      *) printf '%s\\n' "$l" ;;`,
  '    esac',
  '  done',
  '  if [ -n "$seen" ]; then exit 0; fi',
  '  exit "$rc"',
  '}',
].join('\n');

/** One OPTIONS request for `serverName` over TLS; the server answers on the same connection (RFC 3261 18.2.2). */
export function sipTlsRequest(serverName: string, port: number): string {
  const id = randomBytes(8).toString('hex');
  return [
    `OPTIONS sip:${serverName}:${port};transport=tls SIP/2.0`,
    `Via: SIP/2.0/TLS flowproof-probe.invalid;branch=z9hG4bK-${id};rport`,
    'Max-Forwards: 70',
    `From: <sip:flowproof@flowproof-probe.invalid>;tag=fp${id.slice(0, 8)}`,
    `To: <sip:flowproof@${serverName}>`,
    `Call-ID: ${id}@flowproof-probe.invalid`,
    'CSeq: 1 OPTIONS',
    'Contact: <sip:flowproof@flowproof-probe.invalid;transport=tls>',
    'Accept: application/sdp',
    'User-Agent: flowproof-probe',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export function sipTlsCommand(t: ProbeTarget & { tls: NonNullable<ProbeTarget['tls']> }, timeoutMs: number): ExecRequest {
  return {
    argv: ['sh', '-c', sipTlsScript, 'sip-options-tls', fractionalSeconds(timeoutMs), `${hostForUrl(t.host)}:${t.port}`, t.tls.serverName, t.tls.caFile],
    stdin: sipTlsRequest(t.tls.serverName, t.port),
    timeoutMs: execDeadline(timeoutMs),
    tool: 'openssl',
  };
}

const statusLine = /^SIP\/2\.0 (\d{3})(?: ([^\r\n]*))?\r?$/m;
const timedOutExits = new Set([124, 143]);

export function classifySipTls(r: ExecResult, t: ProbeTarget & { tls: NonNullable<ProbeTarget['tls']> }): Classification {
  const early = precheck(r, 'openssl');
  if (early) return early;
  const answer = statusLine.exec(r.stdout);
  if (answer) {
    return { outcome: 'ALLOWED', detail: `SIP server answered ${answer[1]}${answer[2] ? ` ${answer[2].trim()}` : ''} over TLS, certificate verified for ${t.tls.serverName}`, appAnswered: true };
  }
  const text = `${r.stderr}\n${r.stdout}`;
  const ca = caFileProblem(r.stderr, t.tls.caFile);
  if (ca) return { outcome: 'PROBE-ERROR', detail: ca };
  if (/SSL_connect:before SSL initialization/.test(r.stderr)) {
    const verify = /verify error:num=(\d+):([^\n]*)/.exec(r.stderr);
    const timedOut = r.exitCode !== null && timedOutExits.has(r.exitCode);
    let why: string;
    if (verify) why = `${failureWords[verifyCodeFailure(Number(verify[1]))]} (verify error ${verify[1]}: ${verify[2]!.trim()})`;
    else if (/SSL_connect:SSL negotiation finished successfully/.test(r.stderr)) why = `the TLS handshake completed, but no SIP response came ${timedOut ? 'before the timeout' : 'back'}`;
    else if (timedOut) why = 'no TLS handshake before the timeout';
    else why = tlsFailureIn(r.stderr)?.words ?? 'TLS failed';
    return { outcome: 'ALLOWED', detail: `TCP connection made, but ${why}`, appAnswered: false };
  }
  const stated = refusal(text) ?? localRoutingFailure(text);
  if (stated) return stated;
  if (r.exitCode !== null && timedOutExits.has(r.exitCode)) return { outcome: 'DENIED', detail: 'no answer to the TCP SYN before the timeout (openssl s_client killed by timeout)' };
  return unrecognised(r, 'openssl');
}
