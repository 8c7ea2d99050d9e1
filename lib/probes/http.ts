// http and https: curl, where any HTTP status (200, 404, 503…) is the server answering.
// `-w` prints curl's own view of the attempt even when it fails: the status code and
// whether the TCP connection was made, which tells a silent path from a mute server.
// `-v` puts the connect error in words on stderr ("connect to … failed: Connection refused"):
// curl's exit 7 alone cannot tell a RST from an ICMP unreachable or a local routing failure.
import type { ExecResult } from '../provider.ts';
import { execDeadline, fractionalSeconds, hostForUrl, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

const writeOut = 'flowproof: http_code=%{http_code} time_connect=%{time_connect}\\n';
const writeOutLine = /flowproof: http_code=(\d{3}) time_connect=([\d.]+)/;

/** curl's one-line error ("curl: (28) Operation timed out…"), among the -v chatter. */
function curlError(r: ExecResult): string {
  return /^curl: \(\d+\)[^\n]*/m.exec(r.stderr)?.[0] ?? `curl exit ${r.exitCode}`;
}

function curlProbe(kind: 'http' | 'https'): ProbeDefinition {
  return {
    kind,
    tool: 'curl',
    tools: ['curl'],
    protocols: ['TCP'],
    command(t: ProbeTarget, timeoutMs: number) {
      const seconds = fractionalSeconds(timeoutMs);
      const argv = ['curl', '-sS', '-v', '-o', '/dev/null', '-w', writeOut, '--noproxy', '*', '--connect-timeout', seconds, '--max-time', seconds];
      if (kind === 'https') argv.push('-k');
      argv.push(`${kind}://${hostForUrl(t.host)}:${t.port}/`);
      return { argv, timeoutMs: execDeadline(timeoutMs), tool: 'curl' };
    },
    classify(r: ExecResult): Classification {
      const early = precheck(r, 'curl');
      if (early) return early;
      const seen = writeOutLine.exec(r.stdout);
      const code = seen ? Number(seen[1]) : 0;
      const connected = seen ? Number(seen[2]) > 0 : false;
      if (code > 0) return { outcome: 'ALLOWED', detail: `HTTP ${code}` };
      const text = `${r.stderr}\n${r.stdout}`;
      if (connected) {
        // The SYN was answered by a listening socket: the path is open, the server just did not
        // speak (plain HTTP) or not finish TLS in time. For policy that is an answer.
        return { outcome: 'ALLOWED', detail: `TCP connection established, but no HTTP response (${curlError(r)})` };
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
