// Words for rules, peers and ports: every message about a policy is built here.
import type { NetworkPolicyPort } from '../types.ts';
import type { CompiledPeer, CompiledRule } from './compile.ts';
import { describeSelector } from './selectors.ts';

export function describePeer(peer: CompiledPeer): string {
  switch (peer.kind) {
    case 'ipBlock': {
      const b = peer.peer.ipBlock!;
      return `ipBlock ${b.cidr}${b.except?.length ? ` except ${b.except.join(',')}` : ''}`;
    }
    case 'pods': {
      const parts: string[] = [];
      if (peer.namespaceSelector) parts.push(`namespaceSelector ${describeSelector(peer.namespaceSelector)}`);
      if (peer.podSelector) parts.push(`podSelector ${describeSelector(peer.podSelector)}`);
      return parts.join(' AND ');
    }
    default:
      return `invalid peer: ${peer.reason}`;
  }
}

/** "port 5432/TCP", "ports 80-90/TCP", "port pg/TCP", "any TCP port" */
export function describePort(entry: NetworkPolicyPort, resolved?: number): string {
  const proto = entry.protocol ?? 'TCP';
  if (entry.port === undefined) return `any ${proto} port`;
  if (typeof entry.port === 'string') return `port ${entry.port}${resolved !== undefined ? ` (${resolved})` : ''}/${proto}`;
  if (entry.endPort !== undefined) return `ports ${entry.port}-${entry.endPort}/${proto}`;
  return `port ${entry.port}/${proto}`;
}

export function describePorts(rule: CompiledRule): string {
  return rule.ports === 'any' ? 'any port' : rule.ports.map((p) => describePort(p)).join(', ');
}

export function describePeers(rule: CompiledRule): string {
  const word = rule.direction === 'ingress' ? 'from' : 'to';
  if (rule.peers === 'any') return `${word} anywhere`;
  return rule.peers.map((p) => `${word}[${p.index}] (${describePeer(p)})`).join(' or ');
}

/** "x/allow ingress[0]: from[0] (podSelector pod=b) on port 80/TCP" */
export function describeRule(rule: CompiledRule): string {
  return `${rule.label}: ${describePeers(rule)} on ${describePorts(rule)}`;
}

export function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
