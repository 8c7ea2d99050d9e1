// Suite + cluster addresses → the policies in force (pod IPs filled in) and, per flow, its
// resolved endpoints and the policy model's prediction. Shared by `run` and `plan`.
import type { ClusterState } from '../provider.ts';
import { predict, worldFromSuite, type PolicyEndpoint, type PolicyWorld } from '../policy/index.ts';
import { resolveFlow } from '../suite/resolve.ts';
import { renderPolicy } from '../suite/template.ts';
import type { NetworkPolicy, Prediction, ResolvedEndpoint, ResolvedFlow, Suite } from '../types.ts';
import { receivingEndpoint, type PlannedFlow } from './probe-flows.ts';

/** The suite's policies with `{{podIP ns/pod}}` filled in and namespaces defaulted. */
export function policiesInForce(suite: Suite, state: ClusterState): NetworkPolicy[] {
  return suite.policies.map((lp) => renderPolicy(lp, state.podIPs));
}

function policyEndpoint(e: ResolvedEndpoint, world: PolicyWorld): PolicyEndpoint {
  if (e.kind === 'pod') {
    const pod = world.pods.find((p) => p.ip === e.ip);
    if (pod) return { kind: 'pod', pod };
  }
  return { kind: 'external', ip: e.ip };
}

/** Prediction for one resolved flow: evaluated on the packet after Service DNAT, as CNIs do. */
export function predictResolved(r: ResolvedFlow, policies: NetworkPolicy[], world: PolicyWorld): Prediction {
  const receiver = receivingEndpoint(r);
  if (!receiver) {
    const text = `no ready backend behind ${r.destination.ref}: nothing can answer`;
    const none = { isolated: false, allowed: false, selectingPolicies: [] };
    return { verdict: 'deny', decidedBy: text, explanation: text, egress: { direction: 'egress', ...none }, ingress: { direction: 'ingress', ...none } };
  }
  return predict(policies, world, {
    src: policyEndpoint(r.source, world),
    dst: policyEndpoint(receiver, world),
    port: r.backendPort,
    protocol: r.flow.protocol,
  });
}

export function planFlows(suite: Suite, state: ClusterState, policies: NetworkPolicy[]): PlannedFlow[] {
  const world = worldFromSuite(suite, state);
  return suite.flows.map((flow) => {
    const resolved = resolveFlow(suite, state, flow);
    return { flow, resolved, prediction: predictResolved(resolved, policies, world) };
  });
}
