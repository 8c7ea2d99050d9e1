// The primitives the admin tiers are built from: does a subject select a pod, does a peer
// match the other end, does a port entry match a (port, protocol) at a destination. Shared by
// tiers.ts (predict) and materialize.ts (netns enforcement).
import type { Protocol } from '../types.ts';
import { cidrContainsIP, parseIP } from '../ip.ts';
import type { AdminPeer, AdminPolicy, AdminPort, AdminRule } from './admin.ts';
import { labelsOfNamespace, type WorldIndex } from './compile.ts';
import { matchesSelector } from './selectors.ts';
import { endpointIP, type PolicyEndpoint, type PolicyWorld, type WorldPod } from './world.ts';

export function subjectSelects(policy: AdminPolicy, pod: WorldPod, index: WorldIndex): boolean {
  const s = policy.subject;
  if (!matchesSelector(s.namespaceSelector, labelsOfNamespace(index, pod.namespace))) return false;
  return s.kind === 'namespaces' || matchesSelector(s.podSelector, pod.labels);
}

/** Whether a namespaces/pods peer selects a pod. */
export function peerSelectsPod(peer: AdminPeer, pod: WorldPod, index: WorldIndex): boolean {
  if (peer.kind !== 'namespaces' && peer.kind !== 'pods') return false;
  if (!matchesSelector(peer.namespaceSelector, labelsOfNamespace(index, pod.namespace))) return false;
  return peer.kind === 'namespaces' || matchesSelector(peer.podSelector, pod.labels);
}

export function networksMatch(peer: Extract<AdminPeer, { kind: 'networks' }>, ipText: string | undefined): boolean {
  const ip = ipText === undefined ? undefined : parseIP(ipText);
  return !!ip && peer.cidrs.some((c) => cidrContainsIP(c, ip));
}

/**
 * A domainNames pattern against a hostname: exact, or `*.` matching one or more whole
 * labels in front (upstream DomainName). A trailing dot is ignored; names compare case-insensitively.
 */
export function domainMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const suffix = p.slice(1);
  return h.endsWith(suffix) && h.length > suffix.length;
}

/** Hostnames an external declares that a domainNames peer names. */
export function matchingHostnames(peer: Extract<AdminPeer, { kind: 'domainNames' }>, hostnames: readonly string[]): string[] {
  return hostnames.filter((h) => peer.domainNames.some((d) => domainMatches(d, h)));
}

export function externalHostnames(world: PolicyWorld, name: string | undefined): string[] {
  if (!name) return [];
  return world.externals?.find((e) => e.name === name)?.hostnames ?? [];
}

export interface PeerHit {
  /** A domainNames match rests on DNS: the assumption the prediction states. */
  assumption?: string;
}

/**
 * Whether a peer of `rule` matches the other end. An invalid peer (no field set) fails
 * closed as the API asks: it matches nothing for Allow/Accept, everything for Deny/Pass.
 */
export function adminPeerMatches(
  rule: AdminRule,
  peer: AdminPeer,
  other: PolicyEndpoint,
  world: PolicyWorld,
  index: WorldIndex,
  family: 4 | 6 | undefined,
): PeerHit | undefined {
  switch (peer.kind) {
    case 'namespaces':
    case 'pods':
      return other.kind === 'pod' && peerSelectsPod(peer, other.pod, index) ? {} : undefined;
    case 'networks':
      return networksMatch(peer, endpointIP(other, family)) ? {} : undefined;
    case 'nodes':
      return undefined;
    case 'domainNames': {
      if (other.kind !== 'external') return undefined;
      const hosts = matchingHostnames(peer, externalHostnames(world, other.name));
      if (hosts.length === 0) return undefined;
      return { assumption: `${hosts.join(', ')} resolve${hosts.length === 1 ? 's' : ''} to ${other.ip} for ${rule.policy.id}'s domainNames (the suite's hostnames; a CNI matches the addresses its DNS answers)` };
    }
    case 'invalid':
      return rule.effect === 'allow' ? undefined : {};
  }
}

/** The port the name resolves to on `dstPod`, with the protocol the pod declares it for. */
function namedPortMatches(name: string, port: number, protocol: Protocol, dstPod: WorldPod | undefined): boolean {
  return !!dstPod && dstPod.ports.some((p) => p.name === name && p.port === port && p.protocol === protocol);
}

export function adminPortMatches(entry: AdminPort, port: number, protocol: Protocol, dstPod: WorldPod | undefined): boolean {
  switch (entry.kind) {
    case 'number':
      return entry.protocol === protocol && entry.port === port;
    case 'range':
      return entry.protocol === protocol && port >= entry.start && port <= entry.end;
    case 'protocol':
      return entry.protocol === protocol;
    case 'named':
      return namedPortMatches(entry.name, port, protocol, dstPod);
  }
}
