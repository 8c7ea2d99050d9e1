// The rule that decided, read back from the wire: a provider that counts packets per rule
// (netns: nft counters with the rule's label as comment) says how many packets met each rule
// the plan names on a flow's path. A flow that passed while a rule on its predicted path met
// no packet at all in the whole run was decided by something else than the plan says: that
// pass proves nothing about the policies, so the flow becomes inconclusive.
import type { FlowResult } from '../types.ts';

/** `within`: what the counters cover ("this run"; "this step" for a policy step, whose apply started them again). */
export function confirmRulesOnWire(flows: FlowResult[], counters: ReadonlyMap<string, number> | undefined, within = 'this run'): FlowResult[] {
  if (!counters || counters.size === 0) return flows;
  return flows.map((f) => {
    // Only rules the provider counts: a label it does not know (another provider's naming, a
    // comment cut at 128 bytes) says nothing either way.
    const known = (f.rules ?? []).filter((r) => counters.has(r));
    if (known.length === 0) return f;
    const wireCounts = Object.fromEntries(known.map((r) => [r, counters.get(r)!]));
    const unmet = known.filter((r) => counters.get(r) === 0);
    // Only where the wire went the way the plan predicts: a disagreement already says "provider fault suspected".
    const asPredicted = (f.predicted === 'allow') === (f.observed === 'ALLOWED');
    if (f.verdict !== 'pass' || !asPredicted || unmet.length === 0) return { ...f, wireCounts };
    return {
      ...f,
      wireCounts,
      verdict: 'error',
      finding: null,
      reason: `Inconclusive: the wire agreed with the declaration, but ${unmet.join(' and ')} — on the path the plan predicts — counted no packet in ${within}, so something else decided this flow: provider or environment fault suspected. (${f.reason})`,
    };
  });
}
