// Words for rules, peers and ports: every message about a policy is built here.
import type { NetworkPolicyPort } from '../types.ts';
import type { AdminPeer, AdminPort } from './admin.ts';
import type { CompiledPeer, Direction } from './compile.ts';
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

/** "from[0] (podSelector app=web)", or "from anywhere" for a rule without peers. */
export function describePeerAt(direction: Direction, peer: CompiledPeer | undefined): string {
  const word = direction === 'ingress' ? 'from' : 'to';
  return peer ? `${word}[${peer.index}] (${describePeer(peer)})` : `${word} anywhere`;
}

export function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "namespaces tenant=a", "pods ns tenant=a, pod app=web", "networks 192.0.2.0/24" */
export function describeAdminPeer(peer: AdminPeer): string {
  switch (peer.kind) {
    case 'namespaces':
      return `namespaces ${describeSelector(peer.namespaceSelector)}`;
    case 'pods':
      return `pods: namespaces ${describeSelector(peer.namespaceSelector)} AND pods ${describeSelector(peer.podSelector)}`;
    case 'nodes':
      return `nodes ${describeSelector(peer.nodeSelector)}`;
    case 'networks':
      return `networks ${peer.networks.join(',')}`;
    case 'domainNames':
      return `domainNames ${peer.domainNames.join(',')}`;
    case 'invalid':
      return `invalid peer: ${peer.reason} (fails closed)`;
  }
}

/** "port 80/TCP", "ports 8000-9000/TCP", "port metrics (9090)", "any UDP port" */
export function describeAdminPort(entry: AdminPort, resolved?: number): string {
  switch (entry.kind) {
    case 'number':
      return `port ${entry.port}/${entry.protocol}`;
    case 'range':
      return `ports ${entry.start}-${entry.end}/${entry.protocol}`;
    case 'protocol':
      return `any ${entry.protocol} port`;
    case 'named':
      return `port ${entry.name}${resolved !== undefined ? ` (${resolved})` : ''}`;
  }
}
