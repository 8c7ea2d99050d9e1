// tcp: a plain connect with OpenBSD netcat, the command engineers already type.
import type { AgentRequest, AgentResult, ExecResult } from '../provider.ts';
import { agentPrecheck, agentRefusal, agentUnrecognised } from './agent.ts';
import { execDeadline, localRoutingFailure, precheck, refusal, unrecognised, wholeSeconds } from './common.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

export const tcpProbe: ProbeDefinition = {
  kind: 'tcp',
  tool: 'nc',
  tools: ['nc'],
  protocols: ['TCP'],
  command(t: ProbeTarget, timeoutMs: number) {
    const seconds = wholeSeconds(timeoutMs);
    return { argv: ['nc', '-z', '-v', '-w', String(seconds), t.host, String(t.port)], timeoutMs: execDeadline(seconds * 1000), tool: 'nc' };
  },
  classify(r: ExecResult, t: ProbeTarget): Classification {
    const early = precheck(r, 'nc');
    if (early) return early;
    const text = `${r.stderr}\n${r.stdout}`;
    if (r.exitCode === 0 && /succeeded|open/i.test(text)) return { outcome: 'ALLOWED', detail: `TCP connection to ${t.host}:${t.port} established` };
    if (/timed out/i.test(text)) return { outcome: 'DENIED', detail: 'no answer to the TCP SYN before the timeout (nc: connect timed out)' };
    return refusal(text) ?? localRoutingFailure(text) ?? unrecognised(r, 'nc');
  },
  // The probe agent: one connect() with the timeout in milliseconds (nc -w takes whole seconds).
  agentRequest(t: ProbeTarget, timeoutMs: number): AgentRequest {
    return { kind: 'tcp', host: t.host, port: t.port, timeoutMs };
  },
  classifyAgent(r: AgentResult, t: ProbeTarget, req: AgentRequest): Classification {
    const early = agentPrecheck(r, req);
    if (early) return early;
    if (r.event === 'connected') return { outcome: 'ALLOWED', detail: `TCP connection to ${t.host}:${t.port} established` };
    if (r.event === 'timeout') return { outcome: 'DENIED', detail: `no answer to the TCP SYN before the timeout (probe agent: no connect in ${req.timeoutMs} ms)` };
    // The kernel gave up retrying the SYN itself (only with a timeout past its retries, ~2 min).
    if (r.event === 'error' && r.code === 'ETIMEDOUT') return { outcome: 'DENIED', detail: 'no answer to the TCP SYN (the kernel gave up: connect timed out)' };
    return agentRefusal(r) ?? agentUnrecognised(r);
  },
};
