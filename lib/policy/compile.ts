// Policies compiled once for fast evaluation: defaulted, grouped by namespace, CIDRs parsed.
// Both predict() and materialize() read this form, so they share one set of semantics.
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../types.ts';
import { defaultPolicy, policyId, policyNamespace } from './defaulting.ts';
import { parseCidr, type Cidr } from '../ip.ts';
import type { PolicyWorld } from './world.ts';

export type Direction = 'ingress' | 'egress';

export type CompiledPeer =
  | { kind: 'ipBlock'; index: number; peer: NetworkPolicyPeer; cidr: Cidr | undefined; except: Cidr[] }
  /** Pods chosen by selectors; an absent namespaceSelector means the policy's own namespace. */
  | { kind: 'pods'; index: number; peer: NetworkPolicyPeer; podSelector?: LabelSelector; namespaceSelector?: LabelSelector }
  /** Rejected by the API server (no field set, or ipBlock mixed with selectors): matches nothing. */
  | { kind: 'invalid'; index: number; peer: NetworkPolicyPeer; reason: string };

export interface CompiledRule {
  policy: CompiledPolicy;
  direction: Direction;
  index: number;
  /** "<ns>/<name> ingress[0]" */
  label: string;
  /** 'any' when from/to is absent or empty: the rule matches every peer. */
  peers: CompiledPeer[] | 'any';
  /** 'any' when ports is absent or empty: the rule matches every port and protocol. */
  ports: Array<NetworkPolicyPort & { index: number }> | 'any';
}

export interface CompiledPolicy {
  id: string;
  name: string;
  namespace: string;
  policy: NetworkPolicy;
  podSelector: LabelSelector;
  affectsIngress: boolean;
  affectsEgress: boolean;
  ingress: CompiledRule[];
  egress: CompiledRule[];
}

export interface CompiledPolicies {
  all: CompiledPolicy[];
  byNamespace: Map<string, CompiledPolicy[]>;
}

function compilePeer(peer: NetworkPolicyPeer, index: number): CompiledPeer {
  const hasSelectors = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
  if (peer.ipBlock) {
    if (hasSelectors) return { kind: 'invalid', index, peer, reason: 'ipBlock may not be combined with podSelector or namespaceSelector' };
    return {
      kind: 'ipBlock',
      index,
      peer,
      cidr: parseCidr(peer.ipBlock.cidr),
      except: (peer.ipBlock.except ?? []).map(parseCidr).filter((c): c is Cidr => !!c),
    };
  }
  if (!hasSelectors) return { kind: 'invalid', index, peer, reason: 'a peer must set podSelector, namespaceSelector or ipBlock' };
  return { kind: 'pods', index, peer, podSelector: peer.podSelector, namespaceSelector: peer.namespaceSelector };
}

function compileRule(
  policy: CompiledPolicy,
  direction: Direction,
  index: number,
  peers: NetworkPolicyPeer[] | undefined,
  ports: NetworkPolicyPort[] | undefined,
): CompiledRule {
  return {
    policy,
    direction,
    index,
    label: `${policy.id} ${direction}[${index}]`,
    peers: peers && peers.length > 0 ? peers.map(compilePeer) : 'any',
    ports: ports && ports.length > 0 ? ports.map((p, i) => ({ ...p, index: i })) : 'any',
  };
}

export function compilePolicy(raw: NetworkPolicy): CompiledPolicy {
  const p = defaultPolicy(raw);
  const types = p.spec.policyTypes ?? ['Ingress'];
  const compiled: CompiledPolicy = {
    id: policyId(p),
    name: p.metadata.name,
    namespace: policyNamespace(p),
    policy: p,
    podSelector: p.spec.podSelector ?? {},
    affectsIngress: types.includes('Ingress'),
    affectsEgress: types.includes('Egress'),
    ingress: [],
    egress: [],
  };
  // Rules of a direction the policy does not list in policyTypes are ignored (upstream).
  if (compiled.affectsIngress) compiled.ingress = (p.spec.ingress ?? []).map((r, i) => compileRule(compiled, 'ingress', i, r.from, r.ports));
  if (compiled.affectsEgress) compiled.egress = (p.spec.egress ?? []).map((r, i) => compileRule(compiled, 'egress', i, r.to, r.ports));
  return compiled;
}

const compiledCache = new WeakMap<NetworkPolicy[], CompiledPolicies>();

/** Compiles (and caches per array identity) a set of policies. */
export function compilePolicies(policies: NetworkPolicy[]): CompiledPolicies {
  const cached = compiledCache.get(policies);
  if (cached && cached.all.length === policies.length) return cached;
  const all = policies.map(compilePolicy);
  const byNamespace = new Map<string, CompiledPolicy[]>();
  for (const c of all) {
    const list = byNamespace.get(c.namespace) ?? [];
    list.push(c);
    byNamespace.set(c.namespace, list);
  }
  const result = { all, byNamespace };
  compiledCache.set(policies, result);
  return result;
}

/** Namespace labels by name, with kubernetes.io/metadata.name always present. */
export interface WorldIndex {
  nsLabels: Map<string, Record<string, string>>;
}
const worldCache = new WeakMap<PolicyWorld, WorldIndex>();

export function indexWorld(world: PolicyWorld): WorldIndex {
  const cached = worldCache.get(world);
  if (cached && cached.nsLabels.size >= world.namespaces.length) return cached;
  const nsLabels = new Map<string, Record<string, string>>();
  for (const ns of world.namespaces) nsLabels.set(ns.name, { ...ns.labels, 'kubernetes.io/metadata.name': ns.name });
  for (const pod of world.pods) {
    if (!nsLabels.has(pod.namespace)) nsLabels.set(pod.namespace, { 'kubernetes.io/metadata.name': pod.namespace });
  }
  const index = { nsLabels };
  worldCache.set(world, index);
  return index;
}

export function labelsOfNamespace(index: WorldIndex, ns: string): Record<string, string> {
  return index.nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
}
