// The tiers of the network-policy-api for one direction of one pod (predict.ts composes the
// two directions). Precedence, per direction and independently for source egress and target
// ingress:
//   1. admin tier (AdminNetworkPolicy, ClusterNetworkPolicy tier Admin): policies whose
//      subject selects the pod, by priority (lower first), rules in written order; the first
//      matching rule decides: Allow/Accept and Deny are final, Pass skips the rest of the tier;
//   2. NetworkPolicy: when any NetworkPolicy selects the pod for the direction, it decides
//      (allowed by a matching rule, else denied by isolation);
//   3. baseline tier (BaselineAdminNetworkPolicy, ClusterNetworkPolicy tier Baseline), only
//      for pods no NetworkPolicy isolates: first matching rule decides (Pass = no decision);
//   4. otherwise allowed.
// Same-priority policies that both match with different actions are undefined by the API
// ("the implementation can apply any of the matching policies"): the outcome is reported as
// ambiguous when the choice changes the verdict, never silently picked.
import type { Protocol } from '../types.ts';
import { sortByPrecedence, precedenceKey, type AdminDirection, type AdminPeer, type AdminPolicy, type AdminPort, type AdminRule } from './admin.ts';
import { adminPeerMatches, adminPortMatches, subjectSelects } from './admin-match.ts';
import type { WorldIndex } from './compile.ts';
import type { PolicyEndpoint, PolicyWorld, WorldPod } from './world.ts';

export interface CompiledAdmin {
  /** Admin tier, in precedence order. */
  admin: AdminPolicy[];
  /** Baseline tier, in precedence order. */
  baseline: AdminPolicy[];
}

const emptyAdmin: CompiledAdmin = { admin: [], baseline: [] };
const cache = new WeakMap<AdminPolicy[], CompiledAdmin>();

export function compileAdmin(policies: AdminPolicy[] | undefined): CompiledAdmin {
  if (!policies || policies.length === 0) return emptyAdmin;
  const cached = cache.get(policies);
  if (cached) return cached;
  const sorted = sortByPrecedence(policies);
  const compiled = { admin: sorted.filter((p) => p.tier === 'admin'), baseline: sorted.filter((p) => p.tier === 'baseline') };
  cache.set(policies, compiled);
  return compiled;
}

export interface AdminMatch {
  rule: AdminRule;
  /** The first matching peer. */
  peer: AdminPeer;
  /** The first matching port entry; undefined when the rule has no ports. */
  port?: AdminPort;
  /** What the match rests on beyond the packet (domainNames: DNS). */
  assumption?: string;
}

export interface TierResult {
  /** The rule that decides in this tier: the first match by precedence (ties: by name). */
  match?: AdminMatch;
  /** Matches of policies at the decider's priority whose action differs: the API leaves the choice open. */
  rivals: AdminMatch[];
  /** Policies of the tier whose subject selects the pod and that have rules for the direction. */
  selecting: AdminPolicy[];
}

function rulesOf(policy: AdminPolicy, direction: AdminDirection): AdminRule[] {
  return direction === 'ingress' ? policy.ingress : policy.egress;
}

/** The first rule of `policy` matching the packet, with the peer and port that matched. */
function firstMatch(
  policy: AdminPolicy,
  direction: AdminDirection,
  other: PolicyEndpoint,
  port: number,
  protocol: Protocol,
  dstPod: WorldPod | undefined,
  world: PolicyWorld,
  index: WorldIndex,
  family: 4 | 6 | undefined,
): AdminMatch | undefined {
  for (const rule of rulesOf(policy, direction)) {
    let portHit: AdminPort | undefined;
    if (rule.ports !== 'any') {
      portHit = rule.ports.find((p) => adminPortMatches(p, port, protocol, dstPod));
      if (!portHit) continue;
    }
    for (const peer of rule.peers) {
      const hit = adminPeerMatches(rule, peer, other, world, index, family);
      if (hit) return { rule, peer, ...(portHit ? { port: portHit } : {}), ...(hit.assumption ? { assumption: hit.assumption } : {}) };
    }
  }
  return undefined;
}

/** Evaluates one tier for `self` (the subject side) against the other end of the packet. */
export function evaluateTier(
  tier: AdminPolicy[],
  direction: AdminDirection,
  self: WorldPod,
  other: PolicyEndpoint,
  port: number,
  protocol: Protocol,
  world: PolicyWorld,
  index: WorldIndex,
  family: 4 | 6 | undefined,
): TierResult {
  const selecting = tier.filter((p) => rulesOf(p, direction).length > 0 && subjectSelects(p, self, index));
  // Named ports resolve on the destination: the pod itself for ingress, the other end for egress.
  const dstPod = direction === 'ingress' ? self : other.kind === 'pod' ? other.pod : undefined;
  for (let i = 0; i < selecting.length; ) {
    const key = precedenceKey(selecting[i]!);
    const group: AdminPolicy[] = [];
    while (i < selecting.length && precedenceKey(selecting[i]!) === key) group.push(selecting[i++]!);
    const matches = group.map((p) => firstMatch(p, direction, other, port, protocol, dstPod, world, index, family)).filter((m): m is AdminMatch => !!m);
    if (matches.length === 0) continue;
    const first = matches[0]!;
    return { match: first, rivals: matches.slice(1).filter((m) => m.rule.effect !== first.rule.effect), selecting };
  }
  return { rivals: [], selecting };
}
