// Coverage: for each rule item (peer × port) of each policy, the flows that exercise it and
// the flows that probe its boundary; an item is covered when it has both.
// - Exercised: a flow exercises every item of a NetworkPolicy that matches it in a direction
//   where the policy selects its pod and NetworkPolicy decides (no admin rule decided first),
//   not only the first one that decides it. Admin rules (ANP, BANP, CNP) are counted the same
//   way, item by item, but only for the rule that decides a direction of the flow, or the Pass
//   it went through (admin-coverage.ts): an admin rule that matches a flow some earlier rule
//   decided is not exercised by it.
// - Boundary: a flow probes an item's boundary when it misses the item by exactly one of its
//   peer and its port (it matches the one and not the other), and its predicted verdict would
//   change if the item's rule matched it too (rule-counterfactual.ts): for an allow rule, a
//   flow denied only because the rule stops at that peer or port; for a Deny, an allowed flow
//   just outside it; for a Pass, one whose verdict the tiers below it would change. An item
//   that matches every peer and port has nothing outside it: it needs no boundary flow.
import type { NetworkPolicy, Protocol } from '../types.ts';
import type { AdminPolicy } from './admin.ts';
import { adminItems, creditAdmin, creditAdminBoundary, idleAdminPolicies } from './admin-coverage.ts';
import { compilePolicies, indexWorld, type CompiledPolicy, type CompiledRule, type Direction } from './compile.ts';
import { addFlow, newItem, type RuleItemCoverage } from './coverage-item.ts';
import { describePeerAt, describePort } from './describe.ts';
import { peerMatches, portMatches } from './matching.ts';
import { evaluateTiered, selectingPolicies } from './predict.ts';
import { evaluateFlow, verdictWouldChange, type ModelContext } from './rule-counterfactual.ts';
import { compileAdmin } from './tiers.ts';
import { podKey, queryFamily, type PolicyEndpoint, type PolicyWorld } from './world.ts';

export type { RuleItemCoverage, RuleItemRef } from './coverage-item.ts';

export interface CoverageFlow {
  name: string;
  src: PolicyEndpoint;
  dst: PolicyEndpoint;
  port: number;
  protocol: Protocol;
  /** The packet's IP family (see PolicyQuery.family). */
  family?: 4 | 6;
}

export interface CoverageReport {
  items: RuleItemCoverage[];
  /** Items not covered: no flow exercises them, or none probes their boundary. */
  uncoveredItems: RuleItemCoverage[];
  /** How many items are covered. */
  covered: number;
  /** Covered items over all items, in percent, rounded down to 0.01 (100 without items). */
  percent: number;
  /** Pods that are neither the source nor the receiver of any flow. */
  untouchedPods: string[];
  /** Policies (NetworkPolicies and admin policies) that select no pod of the world at all. */
  idlePolicies: string[];
}

function itemsOf(rule: CompiledRule) {
  const peers = rule.peers === 'any' ? [undefined] : rule.peers;
  const ports = rule.ports === 'any' ? [undefined] : rule.ports;
  return peers.flatMap((peer) =>
    ports.map((port) => ({
      peer,
      port,
      peerText: describePeerAt(rule.direction, peer),
      portText: port ? describePort(port) : 'any port',
    })),
  );
}

/** Percent of `covered` in `total`, rounded down to 0.01 (100 when there is nothing to cover). */
export function coveredPercent(covered: number, total: number): number {
  return total === 0 ? 100 : Math.floor((covered * 10_000) / total) / 100;
}

export function coverage(policies: NetworkPolicy[], world: PolicyWorld, flows: CoverageFlow[], admin: AdminPolicy[] = []): CoverageReport {
  const compiled = compilePolicies(policies);
  const tiers = compileAdmin(admin);
  const index = indexWorld(world);
  const ctx: ModelContext = { compiled, tiers, world, index };
  const table = new Map<string, RuleItemCoverage>();
  const keyOf = (rule: CompiledRule, i: number) => `${rule.label}#${i}`;
  for (const policy of compiled.all) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      itemsOf(rule).forEach((item, i) =>
        table.set(
          keyOf(rule, i),
          newItem({
            policy: policy.id,
            rule: rule.label,
            peer: item.peerText,
            port: item.portText,
            ref: { direction: rule.direction, rule: rule.index, ...(item.peer ? { peer: item.peer.index } : {}), ...(item.port ? { port: item.port.index } : {}) },
            ...(!item.peer && !item.port ? { noBoundary: true as const } : {}),
          }),
        ),
      );
    }
  }
  const adminTable = adminItems([...tiers.admin, ...tiers.baseline]);
  const touched = new Set<string>();
  for (const f of flows) {
    for (const e of [f.src, f.dst]) if (e.kind === 'pod') touched.add(podKey(e.pod));
    const family = queryFamily(f);
    const dstPod = f.dst.kind === 'pod' ? f.dst.pod : undefined;
    const evaluated = { ...evaluateFlow(ctx, { src: f.src, dst: f.dst, port: f.port, protocol: f.protocol, family }), name: f.name };
    for (const [self, other, direction] of [
      [f.src, f.dst, 'egress'],
      [f.dst, f.src, 'ingress'],
    ] as const) {
      if (self.kind !== 'pod') continue;
      const t = evaluateTiered(compiled, tiers, world, index, direction, self, other, f.port, f.protocol, family);
      creditAdmin(adminTable, t, f, other, world, index);
      creditAdminBoundary(adminTable, ctx, evaluated, direction, self.pod, other);
      // NetworkPolicy items: only where NetworkPolicy decides this direction (no admin rule decided first).
      if (t.decider !== 'networkpolicy') continue;
      for (const policy of selectingPolicies(compiled, self.pod, direction)) {
        for (const rule of ruleList(policy, direction)) {
          let changes: boolean | undefined;
          itemsOf(rule).forEach((item, i) => {
            const peerOk = !item.peer || peerMatches(item.peer, policy.namespace, other, index, family);
            const portOk = !item.port || portMatches(item.port, f.port, f.protocol, dstPod);
            const entry = table.get(keyOf(rule, i))!;
            if (peerOk && portOk) addFlow(entry.flows, f.name);
            else if (peerOk !== portOk && (changes ??= verdictWouldChange(ctx, evaluated, rule))) addFlow(entry.boundaryFlows, f.name);
          });
        }
      }
    }
  }
  const items = [...table.values(), ...adminTable.values()];
  for (const i of items) i.covered = i.flows.length > 0 && (i.boundaryFlows.length > 0 || !!i.noBoundary);
  const covered = items.filter((i) => i.covered).length;
  const idlePolicies = compiled.all
    .filter((p) => !world.pods.some((pod) => selectingPolicies(compiled, pod, 'ingress').includes(p) || selectingPolicies(compiled, pod, 'egress').includes(p)))
    .map((p) => p.id)
    .concat(idleAdminPolicies([...tiers.admin, ...tiers.baseline], world, index));
  return {
    items,
    uncoveredItems: items.filter((i) => !i.covered),
    covered,
    percent: coveredPercent(covered, items.length),
    untouchedPods: world.pods.map(podKey).filter((k) => !touched.has(k)),
    idlePolicies,
  };
}

function ruleList(policy: CompiledPolicy, direction: Direction): CompiledRule[] {
  return direction === 'ingress' ? policy.ingress : policy.egress;
}
