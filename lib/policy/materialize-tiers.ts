// The admin and baseline tiers of one pod and direction made concrete, in the precedence
// tiers.ts evaluates them (compileAdmin: priority, then name; rules in written order): peers
// become the IPs of the pods and externals they name, or CIDRs; ports become numbers resolved
// on the destination pod. materialize.ts composes this with the NetworkPolicy tier.
import type { AdminDirection, AdminPeer, AdminPolicy, AdminPort, AdminRule } from './admin.ts';
import { matchingHostnames, networksMatch, peerSelectsPod, subjectSelects } from './admin-match.ts';
import type { WorldIndex } from './compile.ts';
import type { MaterializedEntry, MaterializedPort, MaterializedTierRule } from './materialize.ts';
import { parseCidr } from '../ip.ts';
import { podAddresses, type PolicyWorld, type WorldPod } from './world.ts';

/** One admin port entry at a destination pod (undefined: not a pod, where a named port means nothing). */
function concreteAdminPort(entry: AdminPort, dstPod: WorldPod | undefined): MaterializedPort[] {
  switch (entry.kind) {
    case 'number':
      return [{ protocol: entry.protocol, port: entry.port }];
    case 'range':
      return [{ protocol: entry.protocol, port: entry.start, endPort: entry.end }];
    case 'protocol':
      return [{ protocol: entry.protocol, port: 1, endPort: 65535 }];
    case 'named':
      // An admin named port carries no protocol: it is the one the pod declares the name for.
      return (dstPod?.ports ?? []).filter((p) => p.name === entry.name).map((p) => ({ protocol: p.protocol, port: p.port }));
  }
}

function concreteAdminPorts(ports: AdminPort[] | 'any', dstPod: WorldPod | undefined): 'any' | MaterializedPort[] {
  if (ports === 'any') return 'any';
  const out: MaterializedPort[] = [];
  const seen = new Set<string>();
  for (const p of ports.flatMap((entry) => concreteAdminPort(entry, dstPod))) {
    const key = `${p.protocol}/${p.port}/${p.endPort ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/**
 * The entries of one peer. Ports resolve on the destination: the subject itself for ingress,
 * the other end for egress. For egress with named ports, a non-pod peer (networks, an invalid
 * peer failing closed) keeps only its numeric ports, and each pod address it covers gets an
 * entry of its own with the names resolved on that pod (as materialize.ts does for ipBlock).
 */
function peerEntries(rule: AdminRule, peer: AdminPeer, self: WorldPod, world: PolicyWorld, index: WorldIndex): MaterializedEntry[] {
  const ingress = rule.direction === 'ingress';
  const portsAt = (dst: WorldPod | undefined) => concreteAdminPorts(rule.ports, ingress ? self : dst);
  const named = rule.ports !== 'any' && rule.ports.some((p) => p.kind === 'named');
  const podsCovered = (covers: (ip: string) => boolean): MaterializedEntry[] =>
    !ingress && named ? world.pods.flatMap((pod) => podAddresses(pod).filter(covers).map((ip) => ({ peer: { kind: 'ip' as const, ip }, ports: portsAt(pod) }))) : [];
  switch (peer.kind) {
    case 'namespaces':
    case 'pods':
      return world.pods.filter((pod) => peerSelectsPod(peer, pod, index)).flatMap((pod) => podAddresses(pod).map((ip) => ({ peer: { kind: 'ip' as const, ip }, ports: portsAt(pod) })));
    case 'networks':
      return [
        ...peer.networks.filter((n) => parseCidr(n)).map((cidr) => ({ peer: { kind: 'cidr' as const, cidr, except: [] }, ports: portsAt(undefined) })),
        ...podsCovered((ip) => networksMatch(peer, ip)),
      ];
    case 'nodes':
      // The world has no nodes: nothing to match.
      return [];
    case 'domainNames':
      // The addresses of the externals whose hostnames the peer names (the DNS assumption predict states).
      return (world.externals ?? [])
        .filter((e) => matchingHostnames(peer, e.hostnames ?? []).length > 0)
        .flatMap((e) => e.ips.map((ip) => ({ peer: { kind: 'ip' as const, ip }, ports: portsAt(undefined) })));
    case 'invalid':
      // Fail closed as admin-match.ts does: nothing for Allow, everything for Deny and Pass.
      if (rule.effect === 'allow') return [];
      return [{ peer: { kind: 'any' }, ports: portsAt(undefined) }, ...podsCovered(() => true)];
  }
}

function materializeTierRule(rule: AdminRule, self: WorldPod, world: PolicyWorld, index: WorldIndex): MaterializedTierRule {
  const entries = rule.peers.flatMap((peer) => peerEntries(rule, peer, self, world, index));
  return {
    policy: rule.policy.id,
    direction: rule.direction,
    index: rule.index,
    label: rule.label,
    effect: rule.effect,
    // An entry whose ports resolved to nothing can never match.
    entries: entries.filter((e) => e.ports === 'any' || e.ports.length > 0),
  };
}

/** The rules of `tier` (already in precedence order) whose policy's subject selects `pod`, in the order they are walked. */
export function materializeTier(tier: AdminPolicy[], direction: AdminDirection, pod: WorldPod, world: PolicyWorld, index: WorldIndex): MaterializedTierRule[] {
  return tier
    .filter((p) => subjectSelects(p, pod, index))
    .flatMap((p) => (direction === 'ingress' ? p.ingress : p.egress).map((r) => materializeTierRule(r, pod, world, index)));
}
