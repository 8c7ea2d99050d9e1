// sctp: a plain association setup with socat, the SCTP counterpart of the tcp probe's
// `nc -z` (OpenBSD nc does not speak SCTP; socat does, in Debian and in netshoot):
//   socat -d -d -T <T> /dev/null SCTP-CONNECT:<host>:<port>,connect-timeout=<T>
// The association is set up (INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK), then /dev/null's
// EOF shuts it down at once. -d -d makes socat log each step, so the reading never rests on
// the exit code alone. SCTP takes ICMP port/host unreachable as soft errors (the INIT is
// retried), so a CNI's ICMP reject reads as silence: DENIED, still a deny.
import type { ExecResult } from '../provider.ts';
import { sctpSocketProblem } from '../sctp-socket.ts';
import { execDeadline, firstLine, fractionalSeconds, hostForUrl, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

export const sctpProbe: ProbeDefinition = {
  kind: 'sctp',
  tool: 'socat',
  tools: ['socat'],
  protocols: ['SCTP'],
  command(t: ProbeTarget, timeoutMs: number) {
    const seconds = fractionalSeconds(timeoutMs);
    return {
      argv: ['socat', '-d', '-d', '-T', seconds, '/dev/null', `SCTP-CONNECT:${hostForUrl(t.host)}:${t.port},connect-timeout=${seconds}`],
      timeoutMs: execDeadline(timeoutMs),
      tool: 'socat',
    };
  },
  classify(r: ExecResult, t: ProbeTarget): Classification {
    const early = precheck(r, 'socat');
    if (early) return early;
    const text = `${r.stderr}\n${r.stdout}`;
    const socketProblem = sctpSocketProblem(text);
    if (socketProblem) return { outcome: 'PROBE-ERROR', detail: `no SCTP socket where the probe runs: ${socketProblem}` };
    if (/unknown device\/address/i.test(text)) {
      return { outcome: 'PROBE-ERROR', detail: `this socat cannot speak SCTP (built without it): ${firstLine(r.stderr)}` };
    }
    // socat enters its transfer loop only once the association is up.
    if (/starting data transfer loop/i.test(text) || (r.exitCode === 0 && !/ E /.test(text))) {
      return { outcome: 'ALLOWED', detail: `SCTP association with ${t.host}:${t.port} established` };
    }
    if (/timed out/i.test(text)) return { outcome: 'DENIED', detail: 'no answer to the SCTP INIT before the timeout (socat: connect timed out)' };
    if (/Connection refused/i.test(text)) return { outcome: 'REJECTED', detail: 'connection refused (the INIT was answered with ABORT)' };
    // ICMP protocol unreachable is the one ICMP error SCTP acts on at once (ENOPROTOOPT).
    if (/Protocol not available/i.test(text)) return { outcome: 'REJECTED', detail: 'the target host answered ICMP protocol unreachable: it does not speak SCTP' };
    // Other ICMP errors are soft errors for SCTP (read as silence); a kernel that reports them anyway is heard.
    return refusal(text) ?? localRoutingFailure(text) ?? unrecognised(r, 'socat');
  },
};
