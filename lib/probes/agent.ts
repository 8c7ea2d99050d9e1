// What the tcp and udp probes share when a provider's probe agent made the attempt (one
// long-lived process per source namespace, many sockets at once): the checks that make it
// PROBE-ERROR before the socket's report is read, the errno words, and the transcript,
// which says that the agent did it and what one would type to do the same by hand.
import type { AgentRequest, AgentResult } from '../provider.ts';
import { localRoutingFailure, noRoute, refused } from './common.ts';
import { commandLine } from './transcript.ts';
import type { Classification, ProbeDefinition, ProbeTarget } from './types.ts';

/** Errnos that only say something about the source itself (its limits, its routing, its addresses). */
const localErrnos: Record<string, string> = {
  EMFILE: 'the probe agent ran out of file descriptors',
  ENFILE: 'the machine ran out of file descriptors',
  ENOBUFS: 'no buffer space on the source',
  ENOMEM: 'out of memory on the source',
  EADDRNOTAVAIL: 'no local address or port for the connection',
  EADDRINUSE: 'no free local port',
  EAFNOSUPPORT: 'the source has no such address family',
  EINVAL: 'invalid address',
  EPERM: 'the source refused to send (a local firewall drop in its own output path)',
  EACCES: 'permission denied on the source',
};

const nameErrnos = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ESERVFAIL', 'ENODATA']);

function said(r: AgentResult): string {
  return [r.code, r.message && r.message !== r.code ? r.message : undefined, r.sendError ? `send failed: ${r.sendError}` : undefined].filter(Boolean).join(': ') || 'no message';
}

/**
 * Before the socket's report is read (every agent probe): the agent did not make the
 * attempt, reported an impossible silence (before the timeout), or an error that is the
 * source's own (name resolution, its routing, its limits).
 */
export function agentPrecheck(r: AgentResult, req: AgentRequest): Classification | undefined {
  if (r.execError) return { outcome: 'PROBE-ERROR', detail: `the probe agent could not make the attempt: ${r.execError}` };
  if (r.event === undefined) return { outcome: 'PROBE-ERROR', detail: `the probe agent reported nothing readable (${said(r)})` };
  // A deny waits the full timeout: silence declared earlier is not silence.
  if (r.event === 'timeout' && (r.elapsedMs === undefined || r.elapsedMs < req.timeoutMs)) {
    return { outcome: 'PROBE-ERROR', detail: `the probe agent declared silence after ${r.elapsedMs ?? '?'} ms, before the ${req.timeoutMs} ms timeout` };
  }
  if (r.event !== 'error') return undefined;
  const code = r.code ?? '';
  if (nameErrnos.has(code)) return { outcome: 'PROBE-ERROR', detail: `name resolution failed: ${said(r)}` };
  if (code === 'ENETUNREACH') return localRoutingFailure('Network is unreachable');
  const local = localErrnos[code];
  if (local) return { outcome: 'PROBE-ERROR', detail: `${local} (${said(r)})` };
  return undefined;
}

/** ECONNREFUSED, EHOSTUNREACH: the kernel's refusals, in the words the tools' readings use. */
export function agentRefusal(r: AgentResult): Classification | undefined {
  if (r.event !== 'error') return undefined;
  if (r.code === 'ECONNREFUSED') return { ...refused };
  if (r.code === 'EHOSTUNREACH') return { ...noRoute };
  return undefined;
}

/** Anything the reading does not recognise: a probe error quoting the agent. */
export function agentUnrecognised(r: AgentResult): Classification {
  return { outcome: 'PROBE-ERROR', detail: `unrecognised probe agent result (${r.event ?? 'none'}): ${said(r)}` };
}

/**
 * The record of an agent attempt: who made it (no tool was spawned), the request and the
 * report as the agent's line protocol carries them, the duration, the reading, and the
 * command that makes the same attempt by hand in the same namespace.
 */
export function renderAgentTranscript(def: ProbeDefinition, target: ProbeTarget, timeoutMs: number, req: AgentRequest, r: AgentResult, c: Classification): string {
  const report: Record<string, unknown> = {};
  for (const k of ['event', 'code', 'syscall', 'message', 'sendError', 'bytes', 'text', 'elapsedMs'] as const) if (r[k] !== undefined) report[k] = r[k];
  const byHand = def.command(target, timeoutMs);
  // The same nonce as the agent sent, so the line reproduces this attempt.
  if (req.nonce && byHand.stdin !== undefined) byHand.stdin = `${req.nonce}\n`;
  return [
    `# made by the ${r.agent || 'probe agent'}: one ${req.kind.toUpperCase()} ${req.kind === 'tcp' ? 'connect' : 'datagram'} on its own socket, no tool spawned`,
    `> ${JSON.stringify(req)}`,
    r.execError ? `# did not run: ${r.execError}, ${r.durationMs} ms` : `< ${JSON.stringify(report)}`,
    `# ${r.durationMs} ms from request to report`,
    `# the same attempt by hand: ${commandLine(byHand)}`,
    `=> ${c.outcome}: ${c.detail}`,
  ].join('\n');
}
