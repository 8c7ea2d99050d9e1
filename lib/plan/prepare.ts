// The one plan pipeline: a suite joined with a cluster state (a provider's after up(), or
// the planner's addresses) gives the policy world, the policies in force (placeholders
// filled) and every flow resolved to addresses and predicted. `run`, `plan`, `coverage`,
// `scaffold`, `lint`, the bench and the tests all start here.
import type { AdminInForce } from '../policy/admin.ts';
import { compilePolicies } from '../policy/compile.ts';
import type { PolicyWorld } from '../policy/world.ts';
import type { ClusterState } from '../provider.ts';
import { planAddresses } from '../suite/addresses.ts';
import { stepViews } from '../suite/steps.ts';
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

/** One policy set: a suite with policy steps is prepared a step at a time (planSteps, lib/suite/steps.ts stepViews). */
export function prepare(suite: Suite, state: ClusterState): Prepared {
  if (suite.steps) throw new Error(`prepare() takes one policy set, and suite ${suite.name} has policy steps: prepare each of stepViews(suite)`);
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

/** prepare() on the planner's addresses (lib/suite/addresses.ts): no cluster. A suite with policy steps: planSteps. */
export function planSuite(suite: Suite, state: ClusterState = planAddresses(suite)): SuitePlan {
  return { suite, state, ...prepare(suite, state) };
}

/** A policy step's plan: the step's view of the suite (its policies in force, its flows) and its name. */
export interface StepPlan extends SuitePlan {
  /** Absent for a suite without steps. */
  step?: string;
}

/** Every step planned on the planner's addresses (the world is the same in every step); a suite without steps is one. */
export function planSteps(suite: Suite): StepPlan[] {
  const state = planAddresses(suite);
  return stepViews(suite).map((v) => ({ ...planSuite(v.suite, state), ...(v.name !== undefined ? { step: v.name } : {}) }));
}
