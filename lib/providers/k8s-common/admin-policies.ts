// The network-policy-api's cluster-scoped admin policies on a cluster: the resource and CRD
// of each kind, what a CNI enforces of them (clusters/versions.yaml `adminPolicies`), which
// documents are applied, and the object applied (the document with the run's labels). Pure:
// no I/O, so tests read every decision.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AdminInForce, AdminKind, AdminPolicy } from '../../policy/admin.ts';
import { runLabels } from './labels.ts';
import type { AdminField, Versions } from './versions.ts';

export interface AdminResource {
  apiVersion: string;
  /** The resource name in the API path and in `kubectl get`. */
  plural: string;
  /** The CustomResourceDefinition's name. */
  crd: string;
  /** The network-policy-api API version whose release defines it (versions.yaml networkPolicyApi). */
  release: 'v1alpha1' | 'v1alpha2';
}

export const adminResources: Record<AdminKind, AdminResource> = {
  AdminNetworkPolicy: { apiVersion: 'policy.networking.k8s.io/v1alpha1', plural: 'adminnetworkpolicies', crd: 'adminnetworkpolicies.policy.networking.k8s.io', release: 'v1alpha1' },
  BaselineAdminNetworkPolicy: { apiVersion: 'policy.networking.k8s.io/v1alpha1', plural: 'baselineadminnetworkpolicies', crd: 'baselineadminnetworkpolicies.policy.networking.k8s.io', release: 'v1alpha1' },
  ClusterNetworkPolicy: { apiVersion: 'policy.networking.k8s.io/v1alpha2', plural: 'clusternetworkpolicies', crd: 'clusternetworkpolicies.policy.networking.k8s.io', release: 'v1alpha2' },
};

export const allAdminKinds = Object.keys(adminResources) as AdminKind[];

/** The pinned CRD manifest of a kind (versions.yaml networkPolicyApi). */
export function crdManifest(v: Versions, kind: AdminKind): string {
  const release = v.networkPolicyApi[adminResources[kind].release];
  return (release.crds as Record<string, string>)[kind]!;
}

/** What a cluster's policy engine does with the admin policies. */
export interface AdminSupport {
  /** Who enforces, as the reasons name it: "Calico v3.30.2", "Cilium 1.18.3". */
  engine: string;
  enforces: AdminKind[];
  /** Fields of an enforced kind it does not enforce as the API defines them. */
  unsupportedFields: AdminField[];
}

/** The pinned CNI's support, from versions.yaml. */
export function pinnedSupport(v: Versions, cni: 'calico' | 'cilium'): AdminSupport {
  const { adminPolicies, version } = v[cni];
  return { engine: cni === 'calico' ? `Calico ${version}` : `Cilium ${version}`, enforces: [...adminPolicies.enforces], unsupportedFields: [...adminPolicies.unsupportedFields] };
}

/**
 * An existing cluster's support, when its CNI is one flowproof pins at the same major.minor
 * (what versions.yaml says was read from that release's sources); undefined otherwise: no
 * claim either way.
 */
export function detectedSupport(v: Versions, cni: string | undefined, version: string | undefined): AdminSupport | undefined {
  if ((cni !== 'calico' && cni !== 'cilium') || !version) return undefined;
  const minor = (s: string) => /^v?(\d+)\.(\d+)\./.exec(s)?.slice(1, 3).join('.');
  const pinned = minor(v[cni].version);
  return pinned !== undefined && minor(version) === pinned ? pinnedSupport(v, cni) : undefined;
}

/** The fields of the API a policy uses that some CNI may not enforce. */
export function fieldsUsed(p: AdminPolicy): AdminField[] {
  const used = new Set<AdminField>();
  for (const rule of [...p.ingress, ...p.egress]) {
    for (const peer of rule.peers) if (peer.kind === 'nodes' || peer.kind === 'networks' || peer.kind === 'domainNames') used.add(peer.kind);
    if (rule.ports !== 'any' && rule.ports.some((port) => port.kind === 'named')) used.add('namedPort');
  }
  return [...used].sort();
}

/** Why `support` does not enforce `p` as the API defines it; undefined when it does. */
export function whyNotEnforced(p: AdminPolicy, support: AdminSupport): string | undefined {
  if (!support.enforces.includes(p.kind)) return `${support.engine} does not implement ${p.kind}`;
  const fields = fieldsUsed(p).filter((f) => support.unsupportedFields.includes(f));
  if (fields.length > 0) return `${support.engine} does not enforce ${fields.join(', ')} of ${p.kind} as the API defines it (clusters/KNOWN-DIFFERENCES.md)`;
  return undefined;
}

/** Every admin policy in force that `support` does not enforce as written: id → reason. Empty without support (no claim). */
export function notEnforced(admin: AdminInForce[], support: AdminSupport | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!support) return out;
  for (const { policy } of admin) {
    const why = whyNotEnforced(policy, support);
    if (why) out.set(policy.id, why);
  }
  return out;
}

/**
 * Whether the document is applied: not when it uses a field the CNI does not enforce as
 * written (Calico would program another rule, e.g. a named port as every port, and its CRD
 * has no domainNames); a kind the CNI does not implement is applied (nothing acts on it, and
 * the API server validates it against the pinned CRD). Either way its flows are not
 * applicable there.
 */
export function isApplied(p: AdminPolicy, support: AdminSupport | undefined): boolean {
  if (!support || !support.enforces.includes(p.kind)) return true;
  return !fieldsUsed(p).some((f) => support.unsupportedFields.includes(f));
}

/** The object applied: the document (cluster-scoped: no namespace) with the run's labels. */
export function buildAdminPolicy(a: AdminInForce, runId: string): KubernetesObject {
  const { namespace: _ignored, ...metadata } = a.document.metadata as { namespace?: string; labels?: Record<string, string>; name: string };
  return { ...a.document, metadata: { ...metadata, labels: { ...(metadata.labels ?? {}), ...runLabels(runId) } } } as KubernetesObject;
}
