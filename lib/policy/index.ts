// flowproof's own model of networking.k8s.io/v1 NetworkPolicy: pure data in, verdicts out.
export type { WorldPod, WorldPort, PolicyWorld, PolicyEndpoint, PolicyQuery } from './world.ts';
export { podKey, endpointText, endpointIP } from './world.ts';
export { defaultPolicy, policyId, policyNamespace } from './defaulting.ts';
export { matchesSelector, describeSelector } from './selectors.ts';
export { compilePolicies, compilePolicy } from './compile.ts';
export type { CompiledPolicies, CompiledPolicy, CompiledRule, CompiledPeer, Direction } from './compile.ts';
export { predict, predictCompiled, evaluateDirection, selectingPolicies } from './predict.ts';
export type { RuleMatch, RuleMiss, DirectionEvaluation } from './predict.ts';
export { materialize, entryMatches, enforcementAllows, directionAllows } from './materialize.ts';
export type { DirectionEnforcement, MaterializedEntry, MaterializedPeer, MaterializedPort, MaterializedRule, MaterializedTierRule, PodEnforcement } from './materialize.ts';
export { parseCidr, parseIP, cidrWithin, cidrsOverlap } from '../ip.ts';
