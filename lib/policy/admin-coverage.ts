// Coverage of admin rules (ANP, BANP, CNP), item by item (peer × port) like a NetworkPolicy's:
// a flow exercises the items of the rule that decides a direction of it (Allow/Accept or
// Deny, in the admin or baseline tier) and of the Pass it went through on the way, that match
// its packet. An admin rule some earlier rule shadows for a flow is not exercised by it.
// A flow probes an item's boundary when it misses the item by exactly one of its peer and
// port and the rule, were it to match the flow, would change its verdict (coverage.ts).
import type { Protocol } from '../types.ts';
import type { AdminDirection, AdminPeer, AdminPolicy, AdminPort, AdminRule } from './admin.ts';
import { adminPeerMatches, adminPortMatches, subjectSelects } from './admin-match.ts';
import type { WorldIndex } from './compile.ts';
import { addFlow, newItem, type RuleItemCoverage } from './coverage-item.ts';
import { describeAdminPeer, describeAdminPort } from './describe.ts';
import type { TieredDirection } from './predict.ts';
import { verdictWouldChange, type EvaluatedFlow, type ModelContext } from './rule-counterfactual.ts';
import type { AdminMatch } from './tiers.ts';
import { queryFamily, type PolicyEndpoint, type PolicyWorld, type WorldPod } from './world.ts';

interface AdminItem {
  rule: AdminRule;
  peer: AdminPeer;
  port?: AdminPort;
  coverage: RuleItemCoverage;
}

/** The items of every admin rule, in precedence order, keyed by rule. */
export class AdminCoverageTable {
  readonly byRule = new Map<AdminRule, AdminItem[]>();
  *values(): IterableIterator<RuleItemCoverage> {
    for (const items of this.byRule.values()) for (const i of items) yield i.coverage;
  }
}

/** One item per peer × port of each rule (a rule without ports: one item per peer, "any port"). */
export function adminItems(policies: AdminPolicy[]): AdminCoverageTable {
  const table = new AdminCoverageTable();
  for (const p of policies) {
    for (const rule of [...p.ingress, ...p.egress]) {
      const word = rule.direction === 'ingress' ? 'from' : 'to';
      const ports: Array<AdminPort | undefined> = rule.ports === 'any' ? [undefined] : rule.ports;
      table.byRule.set(
        rule,
        rule.peers.flatMap((peer) =>
          ports.map((port) => ({
            rule,
            peer,
            ...(port ? { port } : {}),
            coverage: newItem({
              policy: p.id,
              rule: rule.label,
              tier: p.tier,
              peer: `${word}[${peer.index}] (${describeAdminPeer(peer)})`,
              port: port ? describeAdminPort(port) : 'any port',
              ref: { direction: rule.direction, rule: rule.index, peer: peer.index, ...(port ? { port: port.index } : {}) },
              // A peer that fails closed for a Deny or Pass matches everything.
              ...(!port && peer.kind === 'invalid' && rule.effect !== 'allow' ? { noBoundary: true as const } : {}),
            }),
          })),
        ),
      );
    }
  }
  return table;
}

interface FlowPacket {
  name: string;
  port: number;
  protocol: Protocol;
  src: PolicyEndpoint;
  dst: PolicyEndpoint;
  family?: 4 | 6;
}

/** Credits the flow to the items of the rules that decided (or passed) one direction of it. */
export function creditAdmin(table: AdminCoverageTable, t: TieredDirection, f: FlowPacket, other: PolicyEndpoint, world: PolicyWorld, index: WorldIndex): void {
  const deciding: AdminMatch[] = [];
  if (t.passed) deciding.push(t.passed);
  if ((t.decider === 'admin' || t.decider === 'baseline') && t.tierMatch) deciding.push(t.tierMatch);
  const family = queryFamily(f);
  for (const m of deciding) {
    const dstPod = m.rule.direction === 'ingress' ? (f.dst.kind === 'pod' ? f.dst.pod : undefined) : other.kind === 'pod' ? other.pod : undefined;
    for (const item of table.byRule.get(m.rule) ?? []) {
      if (!adminPeerMatches(m.rule, item.peer, other, world, index, family)) continue;
      if (item.port && !adminPortMatches(item.port, f.port, f.protocol, dstPod)) continue;
      addFlow(item.coverage.flows, f.name);
    }
  }
}

/**
 * Credits the flow to the boundary of the items of the admin rules whose subject selects
 * `self` (the pod of the direction) that it misses by exactly one of peer and port, when
 * the rule matching it would change its verdict.
 */
export function creditAdminBoundary(
  table: AdminCoverageTable,
  ctx: ModelContext,
  f: EvaluatedFlow & { name: string },
  direction: AdminDirection,
  self: WorldPod,
  other: PolicyEndpoint,
): void {
  const dstPod = direction === 'ingress' ? self : other.kind === 'pod' ? other.pod : undefined;
  for (const [rule, items] of table.byRule) {
    if (rule.direction !== direction || !subjectSelects(rule.policy, self, ctx.index)) continue;
    let changes: boolean | undefined;
    for (const item of items) {
      const peerOk = !!adminPeerMatches(rule, item.peer, other, ctx.world, ctx.index, f.family);
      const portOk = !item.port || adminPortMatches(item.port, f.port, f.protocol, dstPod);
      if (peerOk !== portOk && (changes ??= verdictWouldChange(ctx, f, rule))) addFlow(item.coverage.boundaryFlows, f.name);
    }
  }
}

/** Admin policies whose subject selects no pod of the world. */
export function idleAdminPolicies(policies: AdminPolicy[], world: PolicyWorld, index: WorldIndex): string[] {
  return policies.filter((p) => !world.pods.some((pod) => subjectSelects(p, pod, index))).map((p) => p.id);
}
