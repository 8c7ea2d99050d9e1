// Coverage of admin rules (ANP, BANP, CNP), item by item (peer × port) like a NetworkPolicy's:
// a flow exercises the items of the rule that decides a direction of it (Allow/Accept or
// Deny, in the admin or baseline tier) and of the Pass it went through on the way, that match
// its packet. An admin rule some earlier rule shadows for a flow is not exercised by it.
import type { Protocol } from '../types.ts';
import type { AdminPeer, AdminPolicy, AdminPort, AdminRule } from './admin.ts';
import { adminPeerMatches, adminPortMatches, subjectSelects } from './admin-match.ts';
import type { WorldIndex } from './compile.ts';
import type { RuleItemCoverage } from './coverage.ts';
import { describeAdminPeer, describeAdminPort } from './describe.ts';
import type { TieredDirection } from './predict.ts';
import type { AdminMatch } from './tiers.ts';
import { queryFamily, type PolicyEndpoint, type PolicyWorld } from './world.ts';

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
            coverage: {
              policy: p.id,
              rule: rule.label,
              tier: p.tier,
              peer: `${word}[${peer.index}] (${describeAdminPeer(peer)})`,
              port: port ? describeAdminPort(port) : 'any port',
              flows: [],
            },
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
      if (!item.coverage.flows.includes(f.name)) item.coverage.flows.push(f.name);
    }
  }
}

/** Admin policies whose subject selects no pod of the world. */
export function idleAdminPolicies(policies: AdminPolicy[], world: PolicyWorld, index: WorldIndex): string[] {
  return policies.filter((p) => !world.pods.some((pod) => subjectSelects(p, pod, index))).map((p) => p.id);
}
