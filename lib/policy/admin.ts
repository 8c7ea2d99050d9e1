// Cluster-scoped admin policies of the network-policy-api (policy.networking.k8s.io):
// AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy
// (v1alpha2), normalized into one form the tiers (tiers.ts) evaluate. The documents are
// validated by the suite loader (lib/suite/admin-schema.ts); this module only reads them.
// Semantics from the API's Go types (apis/v1alpha1, apis/v1alpha2 of
// kubernetes-sigs/network-policy-api, v0.1.7 and v0.2.0).
import { parseCidr, type Cidr } from '../ip.ts';
import type { LabelSelector, Protocol } from '../types.ts';

export type AdminKind = 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy';
/** Admin: before NetworkPolicy; baseline: after it, only for pods no NetworkPolicy isolates. */
export type AdminTierName = 'admin' | 'baseline';
/** Allow (ANP/BANP) and Accept (CNP) are `allow`. */
export type AdminEffect = 'allow' | 'deny' | 'pass';
export type AdminDirection = 'ingress' | 'egress';

// ---- The documents as the API defines them (the loader's validated output conforms) ----

export interface NamespacedPodDoc {
  namespaceSelector?: LabelSelector;
  podSelector: LabelSelector;
}
export interface AdminSubjectDoc {
  namespaces?: LabelSelector;
  pods?: NamespacedPodDoc;
}
export interface AdminPeerDoc {
  namespaces?: LabelSelector;
  pods?: NamespacedPodDoc;
  nodes?: LabelSelector;
  networks?: string[];
  domainNames?: string[];
}
/** v1alpha1 ports: exactly one of portNumber, namedPort, portRange. */
export interface AdminPortDoc {
  portNumber?: { protocol?: Protocol; port: number };
  namedPort?: string;
  portRange?: { protocol?: Protocol; start: number; end: number };
}
/** v1alpha2 protocols: exactly one of tcp, udp, sctp, destinationNamedPort. */
export interface CnpProtocolDoc {
  tcp?: { destinationPort?: CnpPortDoc };
  udp?: { destinationPort?: CnpPortDoc };
  sctp?: { destinationPort?: CnpPortDoc };
  destinationNamedPort?: string;
}
export interface CnpPortDoc {
  number?: number;
  range?: { start: number; end: number };
}
export interface AdminRuleDoc {
  name?: string;
  action: string;
  from?: AdminPeerDoc[];
  to?: AdminPeerDoc[];
  ports?: AdminPortDoc[];
  protocols?: CnpProtocolDoc[];
}
export interface AdminPolicyDocument {
  apiVersion: string;
  kind: AdminKind;
  metadata: { name: string; [k: string]: unknown };
  spec: {
    tier?: 'Admin' | 'Baseline';
    priority?: number;
    subject: AdminSubjectDoc;
    ingress?: AdminRuleDoc[];
    egress?: AdminRuleDoc[];
  };
}

// ---- The normalized form ----

export type AdminSubject =
  | { kind: 'namespaces'; namespaceSelector: LabelSelector }
  | { kind: 'pods'; namespaceSelector: LabelSelector; podSelector: LabelSelector };

export type AdminPeer =
  | { kind: 'namespaces'; index: number; namespaceSelector: LabelSelector }
  | { kind: 'pods'; index: number; namespaceSelector: LabelSelector; podSelector: LabelSelector }
  /** Node IPs: flowproof's worlds have no nodes, so such a peer matches no probed end. */
  | { kind: 'nodes'; index: number; nodeSelector: LabelSelector }
  | { kind: 'networks'; index: number; networks: string[]; cidrs: Cidr[] }
  /** Depends on DNS: matched against the hostnames an external declares (an assumption the prediction states). */
  | { kind: 'domainNames'; index: number; domainNames: string[] }
  /** No field set: the API server refuses it; the API says fail closed (Allow: no match; Deny/Pass: match all). */
  | { kind: 'invalid'; index: number; reason: string };

export type AdminPort =
  | { kind: 'number'; index: number; protocol: Protocol; port: number }
  | { kind: 'range'; index: number; protocol: Protocol; start: number; end: number }
  /** Any port of the protocol (a CNP `tcp: {}` is refused by the API server; kept for completeness). */
  | { kind: 'protocol'; index: number; protocol: Protocol }
  | { kind: 'named'; index: number; name: string };

export interface AdminRule {
  policy: AdminPolicy;
  direction: AdminDirection;
  index: number;
  name?: string;
  /** The action as written: Allow, Deny, Pass (ANP), Allow, Deny (BANP), Accept, Deny, Pass (CNP). */
  action: string;
  effect: AdminEffect;
  peers: AdminPeer[];
  /** 'any' when ports/protocols is absent: every port and protocol. */
  ports: AdminPort[] | 'any';
  /** "anp/tenant-isolation ingress[1] (priority 10, Deny)" */
  label: string;
}

export interface AdminPolicy {
  kind: AdminKind;
  name: string;
  /** "anp/<name>", "banp/<name>", "cnp/<name>" */
  id: string;
  tier: AdminTierName;
  /** 0–1000, lower first; a BANP has none (there is only one, `default`). */
  priority?: number;
  subject: AdminSubject;
  ingress: AdminRule[];
  egress: AdminRule[];
}

const idPrefix: Record<AdminKind, string> = {
  AdminNetworkPolicy: 'anp',
  BaselineAdminNetworkPolicy: 'banp',
  ClusterNetworkPolicy: 'cnp',
};

export function adminPolicyId(kind: AdminKind, name: string): string {
  return `${idPrefix[kind]}/${name}`;
}

function effectOf(action: string): AdminEffect {
  if (action === 'Allow' || action === 'Accept') return 'allow';
  if (action === 'Pass') return 'pass';
  return 'deny';
}

function subjectOf(s: AdminSubjectDoc): AdminSubject {
  if (s.pods) return { kind: 'pods', namespaceSelector: s.pods.namespaceSelector ?? {}, podSelector: s.pods.podSelector ?? {} };
  return { kind: 'namespaces', namespaceSelector: s.namespaces ?? {} };
}

function peerOf(p: AdminPeerDoc, index: number): AdminPeer {
  const set = (['namespaces', 'pods', 'nodes', 'networks', 'domainNames'] as const).filter((k) => p[k] !== undefined);
  if (set.length !== 1) return { kind: 'invalid', index, reason: set.length === 0 ? 'a peer must set exactly one of its fields' : `a peer may set only one of ${set.join(', ')}` };
  if (p.namespaces) return { kind: 'namespaces', index, namespaceSelector: p.namespaces };
  if (p.pods) return { kind: 'pods', index, namespaceSelector: p.pods.namespaceSelector ?? {}, podSelector: p.pods.podSelector ?? {} };
  if (p.nodes) return { kind: 'nodes', index, nodeSelector: p.nodes };
  if (p.networks) return { kind: 'networks', index, networks: p.networks, cidrs: p.networks.map(parseCidr).filter((c): c is Cidr => !!c) };
  return { kind: 'domainNames', index, domainNames: p.domainNames ?? [] };
}

function v1alpha1Port(p: AdminPortDoc, index: number): AdminPort | undefined {
  if (p.portNumber) return { kind: 'number', index, protocol: p.portNumber.protocol ?? 'TCP', port: p.portNumber.port };
  if (p.portRange) return { kind: 'range', index, protocol: p.portRange.protocol ?? 'TCP', start: p.portRange.start, end: p.portRange.end };
  if (p.namedPort !== undefined) return { kind: 'named', index, name: p.namedPort };
  return undefined;
}

function cnpProtocol(p: CnpProtocolDoc, index: number): AdminPort | undefined {
  if (p.destinationNamedPort !== undefined) return { kind: 'named', index, name: p.destinationNamedPort };
  const entries: Array<[Protocol, CnpProtocolDoc['tcp']]> = [['TCP', p.tcp], ['UDP', p.udp], ['SCTP', p.sctp]];
  for (const [protocol, body] of entries) {
    if (!body) continue;
    const dp = body.destinationPort;
    if (dp?.number !== undefined) return { kind: 'number', index, protocol, port: dp.number };
    if (dp?.range) return { kind: 'range', index, protocol, start: dp.range.start, end: dp.range.end };
    return { kind: 'protocol', index, protocol };
  }
  return undefined;
}

function portsOf(r: AdminRuleDoc): AdminPort[] | 'any' {
  if (r.protocols && r.protocols.length > 0) return r.protocols.map(cnpProtocol).filter((p): p is AdminPort => !!p);
  if (r.ports && r.ports.length > 0) return r.ports.map(v1alpha1Port).filter((p): p is AdminPort => !!p);
  return 'any';
}

/** "(priority 10, Deny)", "(Deny)" for a BANP, "(Admin tier, priority 10, Accept)" for a CNP. */
function qualifier(policy: AdminPolicy, action: string): string {
  if (policy.kind === 'BaselineAdminNetworkPolicy') return `(${action})`;
  if (policy.kind === 'ClusterNetworkPolicy') return `(${policy.tier === 'admin' ? 'Admin' : 'Baseline'} tier, priority ${policy.priority}, ${action})`;
  return `(priority ${policy.priority}, ${action})`;
}

/** Normalizes one validated document. */
export function normalizeAdminPolicy(doc: AdminPolicyDocument): AdminPolicy {
  const kind = doc.kind;
  const tier: AdminTierName =
    kind === 'AdminNetworkPolicy' ? 'admin' : kind === 'BaselineAdminNetworkPolicy' ? 'baseline' : doc.spec.tier === 'Baseline' ? 'baseline' : 'admin';
  const policy: AdminPolicy = {
    kind,
    name: doc.metadata.name,
    id: adminPolicyId(kind, doc.metadata.name),
    tier,
    ...(kind === 'BaselineAdminNetworkPolicy' ? {} : { priority: doc.spec.priority ?? 0 }),
    subject: subjectOf(doc.spec.subject),
    ingress: [],
    egress: [],
  };
  const rules = (direction: AdminDirection, list: AdminRuleDoc[] | undefined): AdminRule[] =>
    (list ?? []).map((r, index) => {
      const peers = (direction === 'ingress' ? r.from : r.to)?.map(peerOf) ?? [];
      // A peer with no field set fails closed (upstream): an Allow rule matches nothing (its
      // invalid peer never matches), a Deny or Pass rule becomes "Deny all".
      const failClosed = effectOf(r.action) !== 'allow' && peers.some((p) => p.kind === 'invalid');
      return {
        policy,
        direction,
        index,
        ...(r.name ? { name: r.name } : {}),
        action: r.action,
        effect: failClosed ? 'deny' : effectOf(r.action),
        peers,
        ports: failClosed ? 'any' : portsOf(r),
        label: `${policy.id} ${direction}[${index}] ${qualifier(policy, r.action)}${failClosed ? ' [invalid peer: deny all]' : ''}`,
      };
    });
  policy.ingress = rules('ingress', doc.spec.ingress);
  policy.egress = rules('egress', doc.spec.egress);
  return policy;
}

/**
 * Precedence within a tier: priority ascending (a BANP before any baseline CNP, as its own
 * group: mixing the two API versions is undefined upstream, and lint says so). Policies of
 * one priority keep name order here, but that order is flowproof's, not the API's: tiers.ts
 * reports an ambiguity when same-priority policies disagree about a packet.
 */
export function precedenceKey(p: AdminPolicy): number {
  return p.priority ?? -1;
}

export function sortByPrecedence(policies: AdminPolicy[]): AdminPolicy[] {
  return [...policies].sort((a, b) => precedenceKey(a) - precedenceKey(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1));
}

/** An admin policy as applied in a run: the document (placeholders filled) and its normalized form. */
export interface AdminInForce {
  document: AdminPolicyDocument;
  policy: AdminPolicy;
}
