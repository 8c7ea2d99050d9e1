// Coverage: which flows exercise each rule item (peer × port) of each policy, and which
// rule items and pods no flow exercises. A flow exercises every item of a NetworkPolicy that
// matches it in a direction where the policy selects its pod and NetworkPolicy decides (no
// admin rule decided first), not only the first one that decides it. Admin rules (ANP, BANP,
// CNP) are counted the same way, item by item, but only for the rule that decides a direction
// of the flow, or the Pass it went through (admin-coverage.ts): an admin rule that matches a
// flow some earlier rule decided is not exercised by it.
import type { NetworkPolicy, Protocol } from '../types.ts';
import type { AdminPolicy } from './admin.ts';
import { adminItems, creditAdmin, idleAdminPolicies } from './admin-coverage.ts';
import { compilePolicies, indexWorld, type CompiledRule } from './compile.ts';
import { describePeerAt, describePort } from './describe.ts';
import { peerMatches, portMatches } from './matching.ts';
import { evaluateTiered, selectingPolicies } from './predict.ts';
import { compileAdmin } from './tiers.ts';
import { podKey, queryFamily, type PolicyEndpoint, type PolicyWorld } from './world.ts';

export interface CoverageFlow {
  name: string;
  src: PolicyEndpoint;
  dst: PolicyEndpoint;
  port: number;
  protocol: Protocol;
  /** The packet's IP family (see PolicyQuery.family). */
  family?: 4 | 6;
}

export interface RuleItemCoverage {
  /** "<ns>/<name>", or an admin policy's "anp/<name>", "banp/default", "cnp/<name>". */
  policy: string;
  /** "<ns>/<name> ingress[0]", or an admin rule's label: "anp/x ingress[1] (priority 10, Deny)" */
  rule: string;
  /** Set for admin rules: the tier the rule belongs to. */
  tier?: 'admin' | 'baseline';
  /** "from[1] (podSelector app=api)" or "from anywhere" */
  peer: string;
  /** "port 5432/TCP" or "any port" */
  port: string;
  flows: string[];
}

export interface CoverageReport {
  items: RuleItemCoverage[];
  uncoveredItems: RuleItemCoverage[];
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

export function coverage(policies: NetworkPolicy[], world: PolicyWorld, flows: CoverageFlow[], admin: AdminPolicy[] = []): CoverageReport {
  const compiled = compilePolicies(policies);
  const tiers = compileAdmin(admin);
  const index = indexWorld(world);
  const table = new Map<string, RuleItemCoverage>();
  const keyOf = (rule: CompiledRule, i: number) => `${rule.label}#${i}`;
  for (const policy of compiled.all) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      itemsOf(rule).forEach((item, i) => table.set(keyOf(rule, i), { policy: policy.id, rule: rule.label, peer: item.peerText, port: item.portText, flows: [] }));
    }
  }
  const adminTable = adminItems([...tiers.admin, ...tiers.baseline]);
  const touched = new Set<string>();
  for (const f of flows) {
    for (const e of [f.src, f.dst]) if (e.kind === 'pod') touched.add(podKey(e.pod));
    const dstPod = f.dst.kind === 'pod' ? f.dst.pod : undefined;
    for (const [self, other, direction] of [
      [f.src, f.dst, 'egress'],
      [f.dst, f.src, 'ingress'],
    ] as const) {
      if (self.kind !== 'pod') continue;
      const tiered = evaluateTiered(compiled, tiers, world, index, direction, self, other, f.port, f.protocol, queryFamily(f));
      creditAdmin(adminTable, tiered, f, other, world, index);
      // NetworkPolicy items: only where NetworkPolicy decides this direction (no admin rule decided first).
      if (tiered.decider !== 'networkpolicy') continue;
      for (const policy of selectingPolicies(compiled, self.pod, direction)) {
        for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
          itemsOf(rule).forEach((item, i) => {
            const peerOk = !item.peer || peerMatches(item.peer, policy.namespace, other, index, queryFamily(f));
            const portOk = !item.port || portMatches(item.port, f.port, f.protocol, dstPod);
            if (peerOk && portOk) table.get(keyOf(rule, i))!.flows.push(f.name);
          });
        }
      }
    }
  }
  const items = [...table.values(), ...adminTable.values()];
  const idlePolicies = compiled.all
    .filter((p) => !world.pods.some((pod) => selectingPolicies(compiled, pod, 'ingress').includes(p) || selectingPolicies(compiled, pod, 'egress').includes(p)))
    .map((p) => p.id)
    .concat(idleAdminPolicies([...tiers.admin, ...tiers.baseline], world, index));
  return {
    items,
    uncoveredItems: items.filter((i) => i.flows.length === 0),
    untouchedPods: world.pods.map(podKey).filter((k) => !touched.has(k)),
    idlePolicies,
  };
}
