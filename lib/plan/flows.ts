// Predictions for resolved flows, and the plan records (RunResult shape without observed
// or attempts). Pure: the caller brings resolved flows, the world and the policies in force.
import type { AdminPolicy } from '../policy/admin.ts';
import { predict } from '../policy/predict.ts';
import { podAddresses, type PolicyEndpoint, type PolicyWorld } from '../policy/world.ts';
import { countVerdicts, type FlowResult, type IPFamily, type NetworkPolicy, type Prediction, type ResolvedEndpoint, type ResolvedFlow, type RunResult } from '../types.ts';

/** The workload that finally receives the packet: a Service's backend after DNAT. */
export function receiverOf(r: ResolvedFlow): ResolvedEndpoint | undefined {
  return r.destination.kind === 'service' ? r.backend : (r.backend ?? r.destination);
}

/** A flow's family as the model numbers it; undefined stays undefined (IPv4 data-built suites). */
export function familyNumber(family: IPFamily | undefined): 4 | 6 | undefined {
  return family === undefined ? undefined : family === 'IPv6' ? 6 : 4;
}

/** A resolved endpoint as the model sees it: a world pod when its IP is one of a pod's, else an outside address. */
export function toPolicyEndpoint(e: ResolvedEndpoint, world: PolicyWorld): PolicyEndpoint {
  const pod =
    (e.kind === 'pod' && world.pods.find((p) => p.namespace === e.namespace && p.name === e.name)) ||
    world.pods.find((p) => podAddresses(p).includes(e.ip));
  if (pod) return { kind: 'pod', pod };
  return { kind: 'external', ip: e.ip, ...(e.kind === 'external' && e.name ? { name: e.name } : {}) };
}

/** Predicts a resolved flow on the packet after Service DNAT, as CNIs evaluate it. */
export function predictResolvedFlow(policies: NetworkPolicy[], world: PolicyWorld, r: ResolvedFlow, admin?: AdminPolicy[]): Prediction {
  const receiver = receiverOf(r);
  if (!receiver) {
    const text = `denied: no backend behind ${r.destination.ref}, nothing can answer`;
    const none = { isolated: false, allowed: false, selectingPolicies: [] };
    return { verdict: 'deny', decidedBy: text, explanation: text, egress: { direction: 'egress', ...none }, ingress: { direction: 'ingress', ...none } };
  }
  const src = toPolicyEndpoint(r.source, world);
  const targets = r.backends && r.backends.length > 1 ? r.backends : [{ endpoint: receiver, port: r.backendPort }];
  const per = targets.map((t) => ({
    ref: t.endpoint.ref,
    prediction: predict(policies, world, { src, dst: toPolicyEndpoint(t.endpoint, world), port: t.port, protocol: r.flow.protocol, family: familyNumber(r.flow.family) }, admin),
  }));
  if (per.length === 1) return per[0]!.prediction;
  // Several backends: the DNAT picks one per connection, so which backend's rules a probe
  // meets is not known in advance; no rule path is claimed for the flow.
  const { rules: _path, ...first } = per[0]!.prediction;
  if (per.every((p) => p.prediction.verdict === first.verdict)) return first;
  // Backends disagree: the DNAT may pick any of them, so some connections get through.
  const allowed = per.find((p) => p.prediction.verdict === 'allow')!;
  const denied = per.filter((p) => p.prediction.verdict === 'deny').map((p) => p.ref);
  const { rules: _allowedPath, ...allowedPrediction } = allowed.prediction;
  return {
    ...allowedPrediction,
    decidedBy: `${allowed.prediction.decidedBy} (to backend ${allowed.ref}; denied to ${denied.join(', ')})`,
    explanation: `backends of ${r.destination.ref} disagree, and a connection may land on any of them: ${per.map((p) => `${p.ref}: ${p.prediction.explanation}`).join('; ')}`,
  };
}

export interface PlannedPrediction {
  resolved: ResolvedFlow;
  prediction: Prediction;
}

/** One plan record: the result record of DESIGN.md without observed/attempts; verdict = predicted vs expect. */
export function planRecord({ resolved, prediction }: PlannedPrediction): FlowResult {
  const flow = resolved.flow;
  const agrees = prediction.verdict === flow.expect;
  return {
    name: flow.name,
    ...(flow.step !== undefined ? { step: flow.step } : {}),
    from: flow.fromText,
    to: flow.toText,
    source: resolved.source,
    destination: resolved.destination,
    port: flow.port,
    resolvedPort: resolved.backendPort,
    protocol: flow.protocol,
    family: flow.family ?? 'IPv4',
    probe: flow.probe,
    expect: flow.expect,
    predicted: prediction.verdict,
    decidedBy: prediction.decidedBy,
    // Same-priority admin policies that disagree: the API leaves the outcome to the implementation.
    verdict: prediction.ambiguity ? 'error' : agrees ? 'pass' : 'fail',
    reason: prediction.ambiguity
      ? `undefined by the API: ${prediction.ambiguity}; give the policies distinct priorities (flowproof's netns provider applies them in name order: ${prediction.explanation})`
      : agrees
        ? prediction.explanation
        : `the policies contradict the declaration: expected ${flow.expect}, the policies ${prediction.verdict}: ${prediction.explanation}`,
    controls: flow.controls,
    ...(prediction.rules ? { rules: prediction.rules } : {}),
    // The suite author's note, apart from flowproof's own `reason` above.
    ...(flow.justification !== undefined ? { justification: flow.justification } : {}),
  };
}

export function planResult(suite: string, items: PlannedPrediction[], startedAt: Date, finishedAt: Date): RunResult {
  const flows = items.map(planRecord);
  return {
    suite,
    provider: 'plan',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    summary: countVerdicts(flows),
    flows,
  };
}
