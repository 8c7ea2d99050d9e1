// The primitive matches every decision is built from: does a peer match an endpoint, does
// a port entry match a (port, protocol) at a destination. Shared by predict and materialize.
import type { NetworkPolicyPort, Protocol } from '../types.ts';
import type { CompiledPeer, WorldIndex } from './compile.ts';
import { labelsOfNamespace } from './compile.ts';
import { cidrContainsIP, parseIP } from '../ip.ts';
import { matchesSelector } from './selectors.ts';
import type { PolicyEndpoint, WorldPod } from './world.ts';
import { endpointIP } from './world.ts';

/** ipBlock: inside cidr and outside every except. Applies to any IP, pod IPs included. */
export function ipBlockMatches(peer: Extract<CompiledPeer, { kind: 'ipBlock' }>, ipText: string | undefined): boolean {
  // A v6 block never matches a v4 address and vice versa (cidrContainsIP checks the family).
  const ip = ipText === undefined ? undefined : parseIP(ipText);
  if (!ip || !peer.cidr || !cidrContainsIP(peer.cidr, ip)) return false;
  return !peer.except.some((e) => cidrContainsIP(e, ip));
}

/** Selector peer: namespaceSelector AND podSelector within one peer; absent namespaceSelector = own namespace. */
export function selectorPeerMatchesPod(
  peer: Extract<CompiledPeer, { kind: 'pods' }>,
  policyNamespace: string,
  pod: WorldPod,
  index: WorldIndex,
): boolean {
  const nsOk = peer.namespaceSelector
    ? matchesSelector(peer.namespaceSelector, labelsOfNamespace(index, pod.namespace))
    : pod.namespace === policyNamespace;
  if (!nsOk) return false;
  return peer.podSelector ? matchesSelector(peer.podSelector, pod.labels) : true;
}

/** `family`: the packet's IP family, which picks the address of a dual-stack pod an ipBlock sees. */
export function peerMatches(peer: CompiledPeer, policyNamespace: string, other: PolicyEndpoint, index: WorldIndex, family?: 4 | 6): boolean {
  switch (peer.kind) {
    case 'ipBlock':
      return ipBlockMatches(peer, endpointIP(other, family));
    case 'pods':
      return other.kind === 'pod' && selectorPeerMatchesPod(peer, policyNamespace, other.pod, index);
    default:
      return false;
  }
}

/**
 * A policy port entry against a packet to `dstPod` (undefined when the destination is not a
 * pod). Named ports resolve on the destination pod with the entry's protocol; endPort makes
 * a numeric port a range; an entry without a port matches every port of its protocol.
 */
export function portMatches(entry: NetworkPolicyPort, port: number, protocol: Protocol, dstPod: WorldPod | undefined): boolean {
  if ((entry.protocol ?? 'TCP') !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'number') {
    return entry.endPort !== undefined ? port >= entry.port && port <= entry.endPort : port === entry.port;
  }
  if (!dstPod) return false;
  const name = entry.port;
  return dstPod.ports.some((p) => p.name === name && p.protocol === protocol && p.port === port);
}
