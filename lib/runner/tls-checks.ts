// The TLS side of probing (issue 18): which flows speak TLS, and the two extra observations a
// flow with tls: required | forbidden needs once its connection got through — the handshake
// (the `tls` probe: openssl s_client against the target's name and the run's CA) and the same
// protocol in plaintext on the same port. judgeTls (tls-verdict.ts) then decides.
import type { Provider } from '../provider.ts';
import { plaintextProbeKind, probes, runProbe } from '../probes/index.ts';
import type { ProbeTarget } from '../probes/index.ts';
import type { PlannedPrediction } from '../plan/flows.ts';
import { flowTlsTarget } from '../plan/tls-names.ts';
import type { FlowTls, ProbeKind, Suite, TlsVersion } from '../types.ts';

/** What the runner knows about TLS for a run: the suite's servers and the provider's CA. */
export interface TlsContext {
  suite: Pick<Suite, 'pods' | 'externals' | 'tls'>;
  /** The run's CA certificate where the probes run; absent when the provider has none. */
  caFile?: string;
}

/** The provider's CA, when the run serves or requires TLS and the provider has one. */
export function tlsContext(provider: Pick<Provider, 'tlsTrust'>, suite: Pick<Suite, 'pods' | 'externals' | 'tls' | 'flows'>): TlsContext {
  const needed = suite.flows.some((f) => f.tls) || [...suite.pods, ...suite.externals].some((w) => w.serve.some((s) => s.tls));
  if (!needed || !provider.tlsTrust) return { suite };
  try {
    return { suite, caFile: provider.tlsTrust().caFile };
  } catch {
    return { suite };
  }
}

/**
 * How a flow's own attempts reach their port: over TLS when the flow requires it or when the
 * port is served with TLS (and the flow does not forbid it), verified for the target's name.
 */
export function tlsForAttempts(ctx: TlsContext | undefined, p: PlannedPrediction): ProbeTarget['tls'] {
  if (!ctx?.caFile) return undefined;
  const flow = p.resolved.flow;
  const t = flowTlsTarget(ctx.suite, p.resolved);
  if (!t || flow.tls === 'forbidden') return undefined;
  if (flow.tls === 'required' || t.served) return { serverName: t.serverName, caFile: ctx.caFile };
  return undefined;
}

export function minVersionOf(ctx: TlsContext | undefined): TlsVersion {
  return ctx?.suite.tls?.minVersion ?? 'TLSv1.2';
}

/** The app's own TLS negotiation, for the handshake probe (psql: PostgreSQL's SSLRequest). */
function starttlsOf(kind: ProbeKind): { starttls?: 'postgres' | 'mysql' } {
  const s = probes[kind].starttls;
  return s ? { starttls: s } : {};
}

/** One `tls` probe attempt (openssl s_client) to the flow's target, verified for its name; undefined without a CA. */
export function handshakeAttempt(provider: Pick<Provider, 'exec'>, ctx: TlsContext | undefined, p: PlannedPrediction, plainTarget: ProbeTarget, timeoutMs: number) {
  const t = ctx && flowTlsTarget(ctx.suite, p.resolved);
  if (!ctx?.caFile || !t) return undefined;
  const exec = (req: Parameters<Provider['exec']>[1]) => provider.exec(p.resolved.source, req);
  return runProbe(exec, 'tls', { ...plainTarget, tls: { serverName: t.serverName, caFile: ctx.caFile, ...starttlsOf(p.resolved.flow.probe) } }, timeoutMs);
}

/** The handshake and the plaintext attempt of a flow whose connection got through. */
export async function observeTls(
  provider: Pick<Provider, 'exec'>,
  ctx: TlsContext | undefined,
  p: PlannedPrediction,
  plainTarget: ProbeTarget,
  timeoutMs: number,
): Promise<FlowTls> {
  const flow = p.resolved.flow;
  const requirement = flow.tls!;
  const out: FlowTls = { requirement, minVersion: minVersionOf(ctx) };
  const exec = (req: Parameters<Provider['exec']>[1]) => provider.exec(p.resolved.source, req);
  const [handshake, plain] = await Promise.all([handshakeAttempt(provider, ctx, p, plainTarget, timeoutMs), runProbe(exec, plaintextProbeKind(flow.probe), plainTarget, timeoutMs)]);
  if (handshake?.tls) out.observation = handshake.tls;
  if (handshake) out.handshakeTranscript = handshake.transcript;
  out.plaintext = { accepted: plain.appAnswered === true, outcome: plain.outcome, detail: plain.detail, transcript: plain.transcript };
  return out;
}
