// Coverage: which flows exercise each rule item (peer × port) of each policy, and which
// rule items and pods no flow exercises. A flow exercises every item that matches it in a
// direction where the policy selects its pod, not only the first one that decides it.
import type { NetworkPolicy, Protocol } from '../types.ts';
import { compilePolicies, indexWorld, type CompiledRule } from './compile.ts';
import { describePeerAt, describePort } from './describe.ts';
import { peerMatches, portMatches } from './matching.ts';
import { selectingPolicies } from './predict.ts';
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
  policy: string;
  /** "<ns>/<name> ingress[0]" */
  rule: string;
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
  /** Policies that select no pod of the world at all. */
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

export function coverage(policies: NetworkPolicy[], world: PolicyWorld, flows: CoverageFlow[]): CoverageReport {
  const compiled = compilePolicies(policies);
  const index = indexWorld(world);
  const table = new Map<string, RuleItemCoverage>();
  const keyOf = (rule: CompiledRule, i: number) => `${rule.label}#${i}`;
  for (const policy of compiled.all) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      itemsOf(rule).forEach((item, i) => table.set(keyOf(rule, i), { policy: policy.id, rule: rule.label, peer: item.peerText, port: item.portText, flows: [] }));
    }
  }
  const touched = new Set<string>();
  for (const f of flows) {
    for (const e of [f.src, f.dst]) if (e.kind === 'pod') touched.add(podKey(e.pod));
    const dstPod = f.dst.kind === 'pod' ? f.dst.pod : undefined;
    for (const [self, other, direction] of [
      [f.src, f.dst, 'egress'],
      [f.dst, f.src, 'ingress'],
    ] as const) {
      if (self.kind !== 'pod') continue;
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
  const items = [...table.values()];
  const idlePolicies = compiled.all
    .filter((p) => !world.pods.some((pod) => selectingPolicies(compiled, pod, 'ingress').includes(p) || selectingPolicies(compiled, pod, 'egress').includes(p)))
    .map((p) => p.id);
  return {
    items,
    uncoveredItems: items.filter((i) => i.flows.length === 0),
    untouchedPods: world.pods.map(podKey).filter((k) => !touched.has(k)),
    idlePolicies,
  };
}
