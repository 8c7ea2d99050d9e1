// The probes: one module per kind, each a command line plus a parser of its output, and
// runProbe, which runs one attempt through whatever exec a provider supplies.
import type { AgentResult, ExecRequest, ExecResult } from '../provider.ts';
import { renderAgentTranscript } from './agent.ts';
import type { Attempt, ProbeKind } from '../types.ts';
import { dnsProbe } from './dns.ts';
import { httpProbe, httpsProbe } from './http.ts';
import { mysqlProbe } from './mysql.ts';
import { psqlProbe } from './psql.ts';
import { redisProbe } from './redis.ts';
import { sctpProbe } from './sctp.ts';
import { sipOptionsProbe } from './sip-options.ts';
import { tcpProbe } from './tcp.ts';
import { tlsProbe } from './tls.ts';
import { renderTranscript } from './transcript.ts';
import type { AgentExec, Classification, Exec, ProbeDefinition, ProbeTarget } from './types.ts';
import { nonceOf, udpProbe } from './udp.ts';

export type { AgentExec, Classification, Exec, ProbeDefinition, ProbeTarget } from './types.ts';
export { commandLine, renderTranscript } from './transcript.ts';
export { judgeTlsVersion, parseTlsObservation, tlsVersionAtLeast } from './tls-observation.ts';

/**
 * The probe registry: the one place a probe kind is named. The suite schema's `probe` enum
 * (and so the ProbeKind type) is its keys, in this order; protocols and tools are each
 * definition's own.
 */
export const probes = {
  tcp: tcpProbe,
  udp: udpProbe,
  sctp: sctpProbe,
  psql: psqlProbe,
  redis: redisProbe,
  'sip-options': sipOptionsProbe,
  http: httpProbe,
  https: httpsProbe,
  dns: dnsProbe,
  mysql: mysqlProbe,
  tls: tlsProbe,
} satisfies Record<string, ProbeDefinition>;

/** Binaries a probe kind runs (for doctor and for choosing the kind probe container). */
export function toolsFor(kind: ProbeKind): string[] {
  return [...probes[kind].tools];
}

/**
 * The kind whose attempt without ProbeTarget.tls is `kind`'s protocol in plaintext: the
 * plaintext check of a tls: required | forbidden flow (https → http; every other kind itself).
 */
export function plaintextProbeKind(kind: ProbeKind): ProbeKind {
  return (probes[kind] as ProbeDefinition).plaintextKind ?? kind;
}

/** Whether an attempt of `kind` at `target` can go to a probe agent (tcp, udp; never with TLS). */
export function agentCapable(kind: ProbeKind, target: Pick<ProbeTarget, 'tls'> = {}): boolean {
  const def: ProbeDefinition = probes[kind];
  return Boolean(def.agentRequest && def.classifyAgent && !target.tls);
}

/**
 * Runs one attempt and records it: outcome, reason, full transcript, duration. Never throws.
 * With `agent` (the provider's probe agent, Provider.execAgent) a probe that has a batched
 * form (tcp, udp) is made by the agent, with `agentTimeoutMs` (default `timeoutMs`); every
 * other attempt spawns its tool through `exec`.
 */
export async function runProbe(exec: Exec, kind: ProbeKind, target: ProbeTarget, timeoutMs: number, agent?: { exec: AgentExec; timeoutMs?: number }): Promise<Attempt> {
  const startedAt = new Date();
  const def: ProbeDefinition = probes[kind];
  if (!def.protocols.includes(target.protocol)) {
    const detail = `the ${kind} probe cannot test ${target.protocol} (it speaks ${def.protocols.join(', ')})`;
    return { outcome: 'PROBE-ERROR', detail, transcript: `# not run: ${detail}`, durationMs: 0, startedAt: startedAt.toISOString() };
  }
  if (agent && agentCapable(kind, target)) return runAgentProbe(agent.exec, def, target, agent.timeoutMs ?? timeoutMs, startedAt);
  const req = def.command(target, timeoutMs);
  let result: ExecResult;
  try {
    result = await exec(req);
  } catch (err) {
    // A provider should report failures in ExecResult; a throw is still only a probe error.
    const message = err instanceof Error ? err.message : String(err);
    result = { exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: Date.now() - startedAt.getTime(), execError: message };
  }
  const c = checkEcho(req, result, def.classify(result, target));
  return {
    outcome: c.outcome,
    detail: c.detail,
    transcript: renderTranscript(req, result, c),
    durationMs: result.durationMs,
    startedAt: startedAt.toISOString(),
    ...(c.appAnswered === undefined ? {} : { appAnswered: c.appAnswered }),
    ...(c.tls ? { tls: c.tls } : {}),
  };
}

async function runAgentProbe(exec: AgentExec, def: ProbeDefinition, target: ProbeTarget, timeoutMs: number, startedAt: Date): Promise<Attempt> {
  const req = def.agentRequest!(target, timeoutMs);
  let result: AgentResult;
  try {
    result = await exec(req);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    result = { durationMs: Date.now() - startedAt.getTime(), agent: 'probe agent', execError: message };
  }
  const c = def.classifyAgent!(result, target, req);
  return {
    outcome: c.outcome,
    detail: c.detail,
    transcript: renderAgentTranscript(def, target, timeoutMs, req, result, c),
    durationMs: result.durationMs,
    startedAt: startedAt.toISOString(),
  };
}

/** A udp echo must carry this attempt's nonce; an older one is named as such. */
function checkEcho(req: ExecRequest, r: ExecResult, c: Classification): Classification {
  const sent = nonceOf(req.stdin);
  if (!sent || c.outcome !== 'ALLOWED' || r.stdout.includes(sent)) return c;
  const other = nonceOf(r.stdout);
  if (!other) return c;
  const what = req.tool === 'nc' && req.argv.includes('-u') ? 'a datagram came back from the target' : 'the target echoed a line';
  return { ...c, outcome: 'ALLOWED', detail: `${what}, but it carries another attempt's nonce (${other}, sent ${sent})` };
}
