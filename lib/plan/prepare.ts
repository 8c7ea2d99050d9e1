// The one plan pipeline: a suite joined with a cluster state (a provider's after up(), or
// the planner's addresses) gives the policy world, the policies in force (placeholders
// filled) and every flow resolved to addresses and predicted. `run`, `plan`, `coverage`,
// `scaffold`, `lint`, the bench and the tests all start here.
import type { AdminInForce } from '../policy/admin.ts';
import { compilePolicies } from '../policy/compile.ts';
import type { PolicyWorld } from '../policy/world.ts';
import type { ClusterState } from '../provider.ts';
import { planAddresses } from '../suite/addresses.ts';
import type { NetworkPolicy, Suite } from '../types.ts';
import { predictResolvedFlow, type PlannedPrediction } from './flows.ts';
import { adminPoliciesInForce, policiesInForce } from './policies.ts';
import { resolveFlow } from './resolve.ts';
import { worldFromSuite } from './world.ts';

export interface Prepared {
  /** The model's world: namespaces, pods with their addresses and ports. Built once per plan. */
  world: PolicyWorld;
  /** The suite's policies as they are applied (placeholders filled). */
  policies: NetworkPolicy[];
  /** The suite's admin policies (ANP, BANP, CNP) as they are applied (placeholders filled). */
  admin: AdminInForce[];
  /** Every flow resolved in this cluster state and predicted under `policies`. */
  planned: PlannedPrediction[];
}

export function prepare(suite: Suite, state: ClusterState): Prepared {
  const policies = policiesInForce(suite, state);
  const admin = adminPoliciesInForce(suite, state);
  const adminPolicies = admin.map((a) => a.policy);
  compilePolicies(policies); // compile once; predict() reuses it for every flow
  const world = worldFromSuite(suite, state);
  const planned = suite.flows.map((flow) => {
    const resolved = resolveFlow(suite, state, flow);
    return { resolved, prediction: predictResolvedFlow(policies, world, resolved, adminPolicies) };
  });
  return { world, policies, admin, planned };
}

export interface SuitePlan extends Prepared {
  suite: Suite;
  state: ClusterState;
}

/** prepare() on the planner's addresses (lib/suite/addresses.ts): no cluster. */
export function planSuite(suite: Suite): SuitePlan {
  const state = planAddresses(suite);
  return { suite, state, ...prepare(suite, state) };
}
