// udp: one datagram carrying a fresh nonce; only an answer counts. nc's exit code proves
// nothing for UDP, so the command is built to make the outcomes tell apart:
//   timeout <T> nc -u -W 1 <host> <port>   (stdin: the nonce)
// nc has no -w here, so it waits until one datagram arrives (-W 1, exit 0 with output), the
// kernel reports an ICMP error on the connected socket (nc closes silently: exit 0, no
// output, well before T), or `timeout` ends the silence (exit 124).
import { randomBytes } from 'node:crypto';
import type { AgentRequest, AgentResult, ExecResult } from '../provider.ts';
import { agentPrecheck, agentUnrecognised } from './agent.ts';
import { execDeadline, fractionalSeconds, localRoutingFailure, precheck, refusal, unrecognised } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

const noncePattern = /flowproof-nonce-[0-9a-f]{16}/;

export function newNonce(): string {
  return `flowproof-nonce-${randomBytes(8).toString('hex')}`;
}

/** Exit statuses of `timeout` (coreutils 124; busybox reports the TERM signal, 143). */
const timedOutExits = new Set([124, 143]);

export const udpProbe: ProbeDefinition = {
  kind: 'udp',
  tool: 'nc',
  tools: ['timeout', 'nc'],
  protocols: ['UDP'],
  command(t: ProbeTarget, timeoutMs: number) {
    return {
      argv: ['timeout', fractionalSeconds(timeoutMs), 'nc', '-u', '-W', '1', t.host, String(t.port)],
      stdin: `${newNonce()}\n`,
      timeoutMs: execDeadline(timeoutMs),
      tool: 'nc',
    };
  },
  classify(r: ExecResult): Classification {
    const early = precheck(r, 'nc');
    if (early) return early;
    const echoed = noncePattern.exec(r.stdout);
    if (echoed) return { outcome: 'ALLOWED', detail: `the datagram was echoed back (${echoed[0]})` };
    if (r.stdout.length > 0) return { outcome: 'ALLOWED', detail: `a datagram came back that is not the echo (${r.stdout.length} bytes)` };
    if (r.exitCode !== null && timedOutExits.has(r.exitCode)) return { outcome: 'DENIED', detail: 'no datagram came back before the timeout' };
    const text = `${r.stderr}\n${r.stdout}`;
    const stated = refusal(text) ?? localRoutingFailure(text);
    if (stated) return stated;
    if (r.exitCode === 0) {
      // nc returns 0 without output only when poll() reported an error on the socket: the
      // kernel received ICMP port unreachable (or admin prohibited) for the datagram.
      return { outcome: 'REJECTED', detail: 'the socket reported an ICMP error before any answer (port unreachable); nc closed it without output' };
    }
    return unrecognised(r, 'nc');
  },
  // The probe agent: one datagram with a fresh nonce from a connected socket, so the kernel
  // reports ICMP port unreachable (and admin prohibited) to it, as it does to nc's.
  agentRequest(t: ProbeTarget, timeoutMs: number): AgentRequest {
    return { kind: 'udp', host: t.host, port: t.port, timeoutMs, nonce: newNonce() };
  },
  classifyAgent(r: AgentResult, _t: ProbeTarget, req: AgentRequest): Classification {
    const early = agentPrecheck(r, req);
    if (early) return early;
    if (r.event === 'datagram') {
      const text = r.text ?? '';
      if (req.nonce && text.includes(req.nonce)) return { outcome: 'ALLOWED', detail: `the datagram was echoed back (${req.nonce})` };
      const other = noncePattern.exec(text);
      if (other) return { outcome: 'ALLOWED', detail: `a datagram came back from the target, but it carries another attempt's nonce (${other[0]}, sent ${req.nonce ?? 'none'})` };
      return { outcome: 'ALLOWED', detail: `a datagram came back that is not the echo (${r.bytes ?? text.length} bytes)` };
    }
    if (r.event === 'timeout' && r.sendError === 'EPERM') {
      // nc, too, ignores its failed write and waits: the datagram never left the source.
      return { outcome: 'DENIED', detail: "no datagram came back before the timeout (the send was refused on the source: EPERM, its own netfilter's egress drop)" };
    }
    if (r.event === 'timeout' && r.sendError) return agentUnrecognised(r);
    if (r.event === 'timeout') return { outcome: 'DENIED', detail: 'no datagram came back before the timeout' };
    if (r.event === 'error' && r.code === 'ECONNREFUSED') {
      return { outcome: 'REJECTED', detail: 'the socket reported an ICMP error before any answer (port unreachable: ECONNREFUSED)' };
    }
    if (r.event === 'error' && r.code === 'EHOSTUNREACH') {
      // A UDP socket is told only the hard ICMP errors: host unreachable is silence, admin prohibited is this.
      return { outcome: 'REJECTED', detail: 'the socket reported an ICMP error before any answer (administratively prohibited: EHOSTUNREACH)' };
    }
    return agentUnrecognised(r);
  },
};

/** The nonce a udp request carries, to check the echo belongs to this attempt. */
export function nonceOf(stdin: string | undefined): string | undefined {
  return stdin ? noncePattern.exec(stdin)?.[0] : undefined;
}
