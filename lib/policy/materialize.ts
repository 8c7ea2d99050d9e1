// The enforcement view of the policies for one pod: concrete peers (pod selectors become the
// IPs of the pods they select in the finite world) and concrete ports (named ports resolved
// on the destination pod), per direction in the tiers' order: admin rules, NetworkPolicy,
// baseline rules (lib/policy/tiers.ts). The netns provider compiles this to nftables; the
// semantics live here only, and test/policy/materialize.test.ts checks it cell by cell
// against predict().
import type { NetworkPolicy, NetworkPolicyPort, Protocol } from '../types.ts';
import type { AdminEffect, AdminPolicy } from './admin.ts';
import { materializeTier } from './materialize-tiers.ts';
import { compileAdmin } from './tiers.ts';
import { compilePolicies, indexWorld, type CompiledPeer, type CompiledRule, type WorldIndex } from './compile.ts';
import { cidrContainsIP, parseCidr, parseIP } from '../ip.ts';
import { ipBlockMatches, selectorPeerMatchesPod } from './matching.ts';
import { selectingPolicies } from './predict.ts';
import { podAddresses, type PolicyWorld, type WorldPod } from './world.ts';

export type MaterializedPeer = { kind: 'any' } | { kind: 'ip'; ip: string } | { kind: 'cidr'; cidr: string; except: string[] };
export type MaterializedPort = { protocol: Protocol; port: number; endPort?: number };

export interface MaterializedEntry {
  peer: MaterializedPeer;
  /** 'any' = every port and protocol; an empty array matches nothing. */
  ports: 'any' | MaterializedPort[];
}

export interface MaterializedRule {
  /** "<ns>/<name>" */
  policy: string;
  direction: 'ingress' | 'egress';
  index: number;
  /** "<ns>/<name> ingress[0]" */
  label: string;
  entries: MaterializedEntry[];
}

/** An admin or baseline rule: its entries decide with the rule's effect (the first matching rule of the tier). */
export interface MaterializedTierRule extends MaterializedRule {
  /** "anp/<name>", "banp/<name>", "cnp/<name>" */
  policy: string;
  /** "anp/tenant-isolation ingress[1] (priority 10, Deny)" */
  label: string;
  effect: AdminEffect;
}

/** One direction of one pod, walked in this order: admin, then NetworkPolicy (when isolated), else baseline. */
export interface DirectionEnforcement {
  /** Selected by a NetworkPolicy for this direction: its rules decide (default deny), the baseline does not apply. */
  isolated: boolean;
  /** The NetworkPolicy rules (any match allows). */
  rules: MaterializedRule[];
  /** Admin-tier rules in precedence order; absent or empty = none. Pass hands over to NetworkPolicy. */
  admin?: MaterializedTierRule[];
  /** Baseline-tier rules in precedence order, for a pod no NetworkPolicy isolates; absent or empty = none. */
  baseline?: MaterializedTierRule[];
}

export interface PodEnforcement {
  pod: WorldPod;
  ingress: DirectionEnforcement;
  egress: DirectionEnforcement;
}

/** A policy port entry made concrete for one destination pod (or for a non-pod destination). */
function concretePort(entry: NetworkPolicyPort, dstPod: WorldPod | undefined): MaterializedPort[] {
  const protocol = entry.protocol ?? 'TCP';
  if (entry.port === undefined) return [{ protocol, port: 1, endPort: 65535 }];
  if (typeof entry.port === 'number') {
    return [entry.endPort !== undefined ? { protocol, port: entry.port, endPort: entry.endPort } : { protocol, port: entry.port }];
  }
  // A named port never matches a destination that is not a pod.
  if (!dstPod) return [];
  const name = entry.port;
  return dstPod.ports.filter((p) => p.name === name && p.protocol === protocol).map((p) => ({ protocol, port: p.port }));
}

function concretePorts(rule: CompiledRule, dstPod: WorldPod | undefined): 'any' | MaterializedPort[] {
  if (rule.ports === 'any') return 'any';
  const out: MaterializedPort[] = [];
  const seen = new Set<string>();
  for (const entry of rule.ports) {
    for (const p of concretePort(entry, dstPod)) {
      const key = `${p.protocol}/${p.port}/${p.endPort ?? ''}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(p);
      }
    }
  }
  return out;
}

function hasNamedPorts(rule: CompiledRule): boolean {
  return rule.ports !== 'any' && rule.ports.some((p) => typeof p.port === 'string');
}

/** Pods (by IP) that a selector peer of the rule matches. */
function selectedPods(rule: CompiledRule, peer: CompiledPeer, world: PolicyWorld, index: WorldIndex): WorldPod[] {
  if (peer.kind !== 'pods') return [];
  return world.pods.filter((p) => selectorPeerMatchesPod(peer, rule.policy.namespace, p, index));
}

/** The rule as enforced; entries whose port list resolved to nothing can never match and are left out. */
function ruleWith(rule: CompiledRule, entries: MaterializedEntry[]): MaterializedRule {
  return {
    policy: rule.policy.id,
    direction: rule.direction,
    index: rule.index,
    label: rule.label,
    entries: entries.filter((e) => e.ports === 'any' || e.ports.length > 0),
  };
}

function materializeIngressRule(rule: CompiledRule, target: WorldPod, world: PolicyWorld, index: WorldIndex): MaterializedRule {
  const ports = concretePorts(rule, target);
  const entries: MaterializedEntry[] = [];
  if (rule.peers === 'any') entries.push({ peer: { kind: 'any' }, ports });
  else {
    for (const peer of rule.peers) {
      if (peer.kind === 'ipBlock') {
        if (peer.cidr) entries.push({ peer: { kind: 'cidr', cidr: peer.peer.ipBlock!.cidr, except: [...(peer.peer.ipBlock!.except ?? [])] }, ports });
      } else if (peer.kind === 'pods') {
        // Every address of a selected pod: both families of a dual-stack pod.
        for (const pod of selectedPods(rule, peer, world, index)) for (const ip of podAddresses(pod)) entries.push({ peer: { kind: 'ip', ip }, ports });
      }
    }
  }
  return ruleWith(rule, entries);
}

function materializeEgressRule(rule: CompiledRule, world: PolicyWorld, index: WorldIndex): MaterializedRule {
  const entries: MaterializedEntry[] = [];
  const named = hasNamedPorts(rule);
  // Named ports depend on the destination pod: the non-pod part of a peer keeps only the
  // numeric ports, and every pod the peer covers gets its own entry with its resolution.
  const perPod = (pods: WorldPod[], covered: (ip: string) => boolean = () => true) => {
    for (const pod of pods) {
      for (const ip of podAddresses(pod)) if (covered(ip)) entries.push({ peer: { kind: 'ip', ip }, ports: concretePorts(rule, pod) });
    }
  };
  if (rule.peers === 'any') {
    entries.push({ peer: { kind: 'any' }, ports: concretePorts(rule, undefined) });
    if (named) perPod(world.pods);
  } else {
    for (const peer of rule.peers) {
      if (peer.kind === 'ipBlock') {
        if (!peer.cidr) continue;
        const block = peer.peer.ipBlock!;
        entries.push({ peer: { kind: 'cidr', cidr: block.cidr, except: [...(block.except ?? [])] }, ports: concretePorts(rule, undefined) });
        // Only the pod addresses the block covers (a v6 block covers no v4 address).
        if (named) perPod(world.pods, (ip) => ipBlockMatches(peer, ip));
      } else if (peer.kind === 'pods') {
        perPod(selectedPods(rule, peer, world, index));
      }
    }
  }
  return ruleWith(rule, entries);
}

/** `admin`: the cluster-scoped admin policies in force (ANP, BANP, CNP), in any order. */
export function materialize(policies: NetworkPolicy[], world: PolicyWorld, pod: WorldPod, admin?: AdminPolicy[]): PodEnforcement {
  const compiled = compilePolicies(policies);
  const tiers = compileAdmin(admin);
  const index = indexWorld(world);
  const ingressPolicies = selectingPolicies(compiled, pod, 'ingress');
  const egressPolicies = selectingPolicies(compiled, pod, 'egress');
  return {
    pod,
    ingress: {
      isolated: ingressPolicies.length > 0,
      rules: ingressPolicies.flatMap((p) => p.ingress.map((r) => materializeIngressRule(r, pod, world, index))),
      admin: materializeTier(tiers.admin, 'ingress', pod, world, index),
      baseline: materializeTier(tiers.baseline, 'ingress', pod, world, index),
    },
    egress: {
      isolated: egressPolicies.length > 0,
      rules: egressPolicies.flatMap((p) => p.egress.map((r) => materializeEgressRule(r, world, index))),
      admin: materializeTier(tiers.admin, 'egress', pod, world, index),
      baseline: materializeTier(tiers.baseline, 'egress', pod, world, index),
    },
  };
}

/** Whether a packet from/to `peerIP` on port/protocol matches a materialized entry. */
export function entryMatches(entry: MaterializedEntry, peerIP: string, port: number, protocol: Protocol): boolean {
  const peerOk = (() => {
    switch (entry.peer.kind) {
      case 'any':
        return true;
      case 'ip':
        return entry.peer.ip === peerIP;
      case 'cidr': {
        const ip = parseIP(peerIP);
        if (!ip) return false;
        const c = parseCidr(entry.peer.cidr);
        if (!c || !cidrContainsIP(c, ip)) return false;
        return !entry.peer.except.some((e) => {
          const ec = parseCidr(e);
          return !!ec && cidrContainsIP(ec, ip);
        });
      }
    }
  })();
  if (!peerOk) return false;
  if (entry.ports === 'any') return true;
  return entry.ports.some((p) => p.protocol === protocol && port >= p.port && port <= (p.endPort ?? p.port));
}

/**
 * One direction walked as the tiers are (and as the netns chains are): the first matching
 * admin rule decides (Pass goes on to NetworkPolicy); an isolated pod's NetworkPolicy rules
 * decide; else the first matching baseline rule (Pass: no decision); else allowed.
 */
export function directionAllows(side: DirectionEnforcement, peerIP: string, port: number, protocol: Protocol): boolean {
  const hits = (r: MaterializedRule) => r.entries.some((e) => entryMatches(e, peerIP, port, protocol));
  const admin = (side.admin ?? []).find(hits);
  if (admin && admin.effect !== 'pass') return admin.effect === 'allow';
  if (side.isolated) return side.rules.some(hits);
  const baseline = (side.baseline ?? []).find(hits);
  return !baseline || baseline.effect !== 'deny';
}

/** The verdict the enforcement view gives a flow between two IPs (either may be a world pod). */
export function enforcementAllows(
  srcEnforcement: PodEnforcement | undefined,
  srcIP: string,
  dstEnforcement: PodEnforcement | undefined,
  dstIP: string,
  port: number,
  protocol: Protocol,
): boolean {
  const egressOk = !srcEnforcement || directionAllows(srcEnforcement.egress, dstIP, port, protocol);
  const ingressOk = !dstEnforcement || directionAllows(dstEnforcement.ingress, srcIP, port, protocol);
  return egressOk && ingressOk;
}
