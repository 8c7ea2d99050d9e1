// Cluster-scoped admin policies (ANP, BANP, CNP) act on every namespace of a cluster, not only
// the suite's: on the user's own cluster flowproof applies them only when asked to
// (`run --apply-cluster-policies`). Pure, and free of the Kubernetes client, so `run` checks
// every suite before any of them starts.
import { InputError, type InputProblem } from '../../errors.ts';
import type { Suite } from '../../types.ts';
import { everyPolicy } from '../../suite/steps.ts';

export const applyClusterPoliciesFlag = '--apply-cluster-policies';

/** One problem per suite that holds admin policies, at the first of them; none when allowed. */
export function clusterPolicyConsentProblems(suites: Suite[], allowed: boolean): InputProblem[] {
  if (allowed) return [];
  return suites.flatMap((suite) => {
    const admin = everyPolicy(suite).admin; // a step's too
    if (admin.length === 0) return [];
    const ids = admin.map((a) => a.id).join(', ');
    return [
      {
        location: admin[0]!.source,
        message:
          `suite ${suite.name} holds ${admin.length} cluster-scoped admin ${admin.length === 1 ? 'policy' : 'policies'} (${ids}): on --provider kubeconfig ` +
          `applying ${admin.length === 1 ? 'it' : 'them'} changes the whole cluster, every namespace and not only the suite's. Pass ${applyClusterPoliciesFlag} ` +
          `to apply ${admin.length === 1 ? 'it' : 'them'} (flowproof removes exactly what it created at the end), or run the suite with --provider kind or netns`,
      },
    ];
  });
}

/** Exit 2 naming the flag when a suite holds admin policies and the run was not allowed to apply them. */
export function checkClusterPolicyConsent(suites: Suite[], allowed: boolean): void {
  const problems = clusterPolicyConsentProblems(suites, allowed);
  if (problems.length > 0) throw new InputError(problems);
}
