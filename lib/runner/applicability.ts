// A flow an admin policy could decide, on a provider whose policy engine does not enforce
// that policy as the API defines it (Cilium 1.18 implements no admin kind; Calico 3.30 no
// ClusterNetworkPolicy and no named ports in ANP/BANP): whatever the packets do there says
// nothing about the declaration, so the flow is not applicable, an inconclusive record
// (verdict error) that is never a pass and is not probed.
import type { Prediction } from '../types.ts';

/** The reason a flow is not applicable on this provider, or undefined when it is. */
export function notApplicableReason(prediction: Pick<Prediction, 'adminPolicies'>, notEnforced: ReadonlyMap<string, string>, provider: string): string | undefined {
  const hits = (prediction.adminPolicies ?? []).filter((id) => notEnforced.has(id));
  if (hits.length === 0) return undefined;
  const why = hits.map((id) => `${id}: ${notEnforced.get(id)}`).join('; ');
  return `Not applicable on --provider ${provider}: ${hits.length === 1 ? 'an admin policy selects' : 'admin policies select'} an end of this flow and ${hits.length === 1 ? 'is' : 'are'} not enforced here as the API defines ${hits.length === 1 ? 'it' : 'them'} (${why}); not probed, since no observation could confirm or refute the declaration. Run it where the policy is enforced (--provider netns, or a CNI that implements it).`;
}
