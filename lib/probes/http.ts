// http and https: curl, where any HTTP status (200, 404, 503…) is the server answering.
// `-w` prints curl's own view of the attempt even when it fails: the status code and
// whether the TCP connection was made, which tells a silent path from a mute server.
// `-v` puts the connect error in words on stderr ("connect to … failed: Connection refused"):
// curl's exit 7 alone cannot tell a RST from an ICMP unreachable or a local routing failure.
// curl zeroes time_connect when the transfer fails, so "* Connected to" (-v) also counts.
//
// With ProbeTarget.tls both kinds are HTTPS that verifies: `--cacert <ca>` and the URL names the
// server (`https://<name>:<port>/`), pinned to the address with `--resolve <name>:<port>:<ip>`
// (`--connect-to` when the target is dialled by DNS name); no -k. Without it, http is plain
// HTTP (its plaintext check) and https is HTTPS with -k (reachability only: its plaintext
// check is the http probe, ProbeDefinition.plaintextKind).
import { isIP } from 'node:net';
import type { ExecResult } from '../provider.ts';
import { execDeadline, fractionalSeconds, hostForUrl, localRoutingFailure, precheck, refusal } from './common.ts';
import { caFileProblem, tlsFailureIn } from './tls-failure.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

const writeOut = 'flowproof: http_code=%{http_code} time_connect=%{time_connect}\\n';
const writeOutLine = /flowproof: http_code=(\d{3}) time_connect=([\d.]+)/;

/** curl's one-line error ("curl: (28) Operation timed out…"), among the -v chatter. */
function curlError(r: ExecResult): string {
  return /^curl: \(\d+\)[^\n]*/m.exec(r.stderr)?.[0] ?? `curl exit ${r.exitCode}`;
}

/** Where the URL goes: the server's name over TLS (pinned to the target), else the target itself. */
function target(kind: 'http' | 'https', t: ProbeTarget): string[] {
  if (!t.tls) return [`${kind}://${hostForUrl(t.host)}:${t.port}/`];
  const name = t.tls.serverName;
  const pin = isIP(t.host) ? ['--resolve', `${name}:${t.port}:${hostForUrl(t.host)}`] : ['--connect-to', `${name}:${t.port}:${hostForUrl(t.host)}:${t.port}`];
  return ['--cacert', t.tls.caFile, ...pin, `https://${hostForUrl(name)}:${t.port}/`];
}

/**
 * A status line with no header field at all ("HTTP/1.0 400 Bad Request" and an empty line):
 * what Go's net/http TLS server writes to a plaintext request before closing
 * ("Client sent an HTTP request to an HTTPS server."). An ordinary 400 carries headers.
 */
function headerlessBadRequest(stderr: string): boolean {
  return /^< HTTP\/1\.[01] 400 [^\n]*\n<\s*$/m.test(stderr);
}

function curlProbe(kind: 'http' | 'https'): ProbeDefinition {
  return {
    kind,
    tool: 'curl',
    tools: ['curl'],
    protocols: ['TCP'],
    tls: true,
    ...(kind === 'https' ? { plaintextKind: 'http' as const } : {}),
    command(t: ProbeTarget, timeoutMs: number) {
      const seconds = fractionalSeconds(timeoutMs);
      const argv = ['curl', '-sS', '-v', '-o', '/dev/null', '-w', writeOut, '--noproxy', '*', '--connect-timeout', seconds, '--max-time', seconds];
      if (kind === 'https' && !t.tls) argv.push('-k');
      argv.push(...target(kind, t));
      return { argv, timeoutMs: execDeadline(timeoutMs), tool: 'curl' };
    },
    classify(r: ExecResult, t: ProbeTarget): Classification {
      const early = precheck(r, 'curl');
      if (early) return early;
      const seen = writeOutLine.exec(r.stdout);
      const code = seen ? Number(seen[1]) : 0;
      const connected = (seen ? Number(seen[2]) > 0 : false) || /^\* Connected to /m.test(r.stderr);
      const plaintext = kind === 'http' && !t.tls;
      if (code > 0) {
        if (plaintext && code === 400 && headerlessBadRequest(r.stderr)) {
          return { outcome: 'ALLOWED', detail: 'HTTP 400 with no header field: how a TLS-only server (Go net/http) refuses a plaintext request', appAnswered: false };
        }
        const tls = t.tls ? /^\* SSL connection using (\S+) \/ (\S+)/m.exec(r.stderr) : null;
        const over = t.tls ? ` over ${tls ? `${tls[1]} ${tls[2]}` : 'TLS'}, certificate verified for ${t.tls.serverName}` : '';
        return { outcome: 'ALLOWED', detail: `HTTP ${code}${over}`, appAnswered: true };
      }
      const text = `${r.stderr}\n${r.stdout}`;
      if (t.tls) {
        const ca = caFileProblem(text, t.tls.caFile);
        if (ca) return { outcome: 'PROBE-ERROR', detail: ca };
      }
      if (connected) {
        // The SYN was answered by a listening socket: the path is open, the server just did not
        // speak HTTP (a TLS-only port refusing plaintext, a mute server), or TLS failed.
        const failed = kind === 'https' || t.tls ? tlsFailureIn(curlError(r)) : undefined;
        const why = failed ? failed.words : `no HTTP response (${curlError(r)})`;
        return { outcome: 'ALLOWED', detail: `TCP connection established, but ${why}`, appAnswered: false };
      }
      const stated = refusal(text) ?? localRoutingFailure(text);
      if (stated) return stated;
      if (r.exitCode === 28 || /timed out/i.test(text)) return { outcome: 'DENIED', detail: 'no answer to the TCP SYN before the timeout (curl exit 28)' };
      return { outcome: 'PROBE-ERROR', detail: `unrecognised curl result: ${curlError(r)}` };
    },
  };
}

export const httpProbe = curlProbe('http');
export const httpsProbe = curlProbe('https');
