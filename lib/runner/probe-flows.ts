// Probes every planned flow through a bounded pool, then applies the deny-credit rule and
// the verdict rules. Failures are recorded on the flow, never thrown (as cilium-cli does).
import type { ExecNeeds, Provider } from '../provider.ts';
import { agentCapable, runProbe, toolsFor, type AgentExec } from '../probes/index.ts';
import { planRecord, receiverOf, type PlannedPrediction } from '../plan/flows.ts';
import type { Attempt, FlowResult, FlowTls, ResolvedEndpoint, Suite } from '../types.ts';
import { controlCheck, LivenessLedger } from './liveness.ts';
import { observeFlow, realSleep, type RetryPlan, type Sleep } from './observe.ts';
import { mapLanes } from './pool.ts';
import { notApplicableReason } from './applicability.ts';
import { decideVerdict } from './verdict.ts';
import { handshakeAttempt, minVersionOf, observeTls, tlsForAttempts, type TlsContext } from './tls-checks.ts';
import { judgeTls } from './tls-verdict.ts';

/** Who may receive the packet, with the port: every Service backend, or the one destination. */
function receiversOf(r: PlannedPrediction['resolved']): Array<{ endpoint: ResolvedEndpoint; port: number }> {
  if (r.backends && r.backends.length > 0) return r.backends;
  const one = receiverOf(r);
  return one ? [{ endpoint: one, port: r.backendPort }] : [];
}

/** What probing these flows will ask the provider to run (its up() prepares for it). */
export function execNeeds(suite: Pick<Suite, 'flows'>): ExecNeeds {
  return { tools: [...new Set(suite.flows.flatMap((f) => toolsFor(f.probe)))] };
}

/** A flow ready to probe: resolved to addresses and predicted by the policy model. */
export type PlannedFlow = PlannedPrediction;

export interface ProbeRunOptions {
  /** Attempts that spawn a tool: their timeout and how many run at once. */
  timeoutMs: number;
  parallel: number;
  /**
   * Plain TCP/UDP attempts (and their liveness controls) by the provider's probe agent
   * (Provider.execAgent), with their own timeout and pool (lib/runner/schedule.ts). false:
   * every attempt spawns its tool. Absent: the agent when the provider has one, with
   * timeoutMs and parallel.
   */
  agent?: { timeoutMs: number; parallel: number } | false;
  retry: RetryPlan;
  sleep?: Sleep;
  /** Called as each flow's probing finishes (for the progress display). */
  onProbed?: (done: number, total: number, planned: PlannedFlow, attempts: Attempt[]) => void;
  /** The suite's TLS servers and the provider's CA (tlsContext): flows to TLS ports speak TLS; tls: required | forbidden is judged. */
  tls?: TlsContext;
}

export async function probeFlows(provider: Provider, planned: PlannedFlow[], opts: ProbeRunOptions): Promise<FlowResult[]> {
  // Flows an admin policy the provider does not enforce could decide: recorded, never probed.
  const notEnforced = provider.adminNotEnforced?.() ?? new Map<string, string>();
  const notApplicable = new Map<PlannedFlow, string>();
  for (const p of planned) {
    const why = notApplicableReason(p.prediction, notEnforced, provider.name);
    if (why) notApplicable.set(p, why);
  }
  const applicable = planned.filter((p) => !notApplicable.has(p));
  const probed = await probeApplicable(provider, applicable, opts);
  const byFlow = new Map(applicable.map((p, i) => [p, probed[i]!]));
  return planned.map((p) => byFlow.get(p) ?? { ...planRecord(p), verdict: 'error', finding: null, reason: notApplicable.get(p)! });
}

/** The agent settings in force: none when the provider has no agent or the run turned it off. */
function agentOf(provider: Provider, opts: ProbeRunOptions): { timeoutMs: number; parallel: number } | undefined {
  if (opts.agent === false || !provider.execAgent) return undefined;
  return opts.agent ?? { timeoutMs: opts.timeoutMs, parallel: opts.parallel };
}

async function probeApplicable(provider: Provider, planned: PlannedFlow[], opts: ProbeRunOptions): Promise<FlowResult[]> {
  const agent = agentOf(provider, opts);
  const agentInside = (target: ResolvedEndpoint): { exec: AgentExec; timeoutMs: number } | undefined =>
    agent && provider.execAgentInside ? { exec: (req) => provider.execAgentInside!(target, req), timeoutMs: agent.timeoutMs } : undefined;
  const ledger = new LivenessLedger((target, port, protocol, probe, tls) =>
    controlCheck(provider, target, port, protocol, probe, opts.timeoutMs, tls, agentCapable(probe, { ...(tls ? { tls } : {}) }) ? agentInside(target) : undefined),
  );
  // Two lanes: attempts the agent makes (a socket each: a wide pool) and spawned tools (a
  // process each: a narrow one). Flows the model predicts denied start first (longest first).
  const viaAgent = new Set(planned.filter((p) => agent && !p.resolved.flow.tls && agentCapable(p.resolved.flow.probe, { ...(tlsForAttempts(opts.tls, p) ? { tls: tlsForAttempts(opts.tls, p) } : {}) })));
  const laneOf = (p: PlannedFlow) => (viaAgent.has(p) ? 1 : 0);
  const limits = [opts.parallel, agent?.parallel ?? opts.parallel];
  let done = 0;
  const observed = await mapLanes(planned, laneOf, limits, async (p) => {
    const { resolved } = p;
    const flow = resolved.flow;
    const plain = { host: resolved.dialIP, port: resolved.dialPort, protocol: flow.protocol, dnsName: resolved.dialHost, ...(flow.family ? { family: flow.family } : {}) };
    const tls = tlsForAttempts(opts.tls, p);
    const target = tls ? { ...plain, tls } : plain;
    const started = Date.now();
    const byAgent = agent && viaAgent.has(p) ? { exec: (req: Parameters<AgentExec>[0]) => provider.execAgent!(resolved.source, req), timeoutMs: agent.timeoutMs } : undefined;
    const attempts = await observeFlow(
      () => runProbe((req) => provider.exec(resolved.source, req), flow.probe, target, opts.timeoutMs, byAgent),
      flow.expect,
      opts.retry,
      opts.sleep ?? realSleep,
    );
    // An app client speaking TLS to a server that does not (redis-cli to a plaintext redis)
    // can wait silently on an open connection: its silence is not the network's. The
    // handshake probe (s_client says CONNECTED once TCP is up) tells them apart, and its
    // attempt stands in the record as what showed the path open.
    if (flow.tls === 'required' && !attempts.some((a) => a.outcome === 'ALLOWED' || a.outcome === 'PROBE-ERROR')) {
      const hs = await handshakeAttempt(provider, opts.tls, p, plain, opts.timeoutMs);
      if (hs?.outcome === 'ALLOWED') attempts.push({ ...hs, detail: `${hs.detail} (the TLS handshake probe reached the port the app client could not get an answer from)` });
    }
    const receivers = receiversOf(resolved);
    // An answer proves its receiver serves; through a multi-backend Service we cannot tell which one answered.
    if (receivers.length === 1 && attempts.some((a) => a.outcome === 'ALLOWED')) ledger.recordAnswer(receivers[0]!.endpoint, receivers[0]!.port, flow.protocol);
    opts.onProbed?.(++done, planned.length, p, attempts);
    return { p, attempts, durationMs: Date.now() - started, plain, tls };
  }, (p) => p.prediction.verdict === 'deny');

  // Liveness controls run after every flow was probed, so answered flows already prove
  // most targets up and only the rest cost a control check.
  return mapLanes(observed, ({ p }) => laneOf(p), limits, async ({ p, attempts, durationMs, plain, tls }) => {
    const { resolved, prediction } = p;
    const flow = resolved.flow;
    const receivers = receiversOf(resolved);
    const answered = attempts.some((a) => a.outcome === 'ALLOWED');
    // A probe that could not run says nothing about the target: no proof needed, none claimed.
    const needsProof = !answered && !attempts.some((a) => a.outcome === 'PROBE-ERROR');
    let targetProvenUp = answered;
    let control: Attempt | undefined;
    let downRef: string | undefined;
    if (needsProof && receivers.length > 0) {
      // Every backend must serve: silence from a Service is a deny only if none of its backends is down.
      // The control speaks to the target as the flow did (over TLS to a TLS port).
      const proofs = await Promise.all(receivers.map((r) => ledger.provenUp(r.endpoint, r.port, flow.protocol, flow.probe, tls)));
      const down = proofs.findIndex((p) => !p.up);
      targetProvenUp = down < 0;
      control = (down >= 0 ? proofs[down] : proofs.find((p) => p.control))?.control;
      if (down >= 0) downRef = receivers[down]!.endpoint.ref;
    }
    const network = decideVerdict({ expect: flow.expect, predicted: prediction.verdict, decidedBy: prediction.decidedBy, attempts, targetProvenUp, ...(prediction.ambiguity ? { ambiguity: prediction.ambiguity } : {}) });
    // tls: required | forbidden: the handshake and the plaintext check, once the connection got through as declared.
    let flowTls: FlowTls | undefined;
    let v = network;
    if (flow.tls) {
      const through = network.verdict === 'pass' && network.observed === 'ALLOWED';
      flowTls = through ? await observeTls(provider, opts.tls, p, plain, opts.timeoutMs) : { requirement: flow.tls, minVersion: minVersionOf(opts.tls) };
      v = judgeTls(network, flowTls, flow.expect);
    }
    const reason =
      needsProof && receivers.length === 0
        ? `${v.reason} The Service has no ready backend, so there is nothing that could answer.`
        : control && !targetProvenUp
          ? `${v.reason} Control check from inside ${downRef ?? 'the target'}: ${control.outcome} (${control.detail}).`
          : v.reason;
    const result: FlowResult = {
      ...planRecord(p),
      observed: v.observed,
      attempts,
      verdict: v.verdict,
      finding: v.finding,
      reason,
      targetProvenUp,
      control,
      durationMs,
      ...(flowTls ? { tls: flowTls } : {}),
    };
    return result;
  });
}
