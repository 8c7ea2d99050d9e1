// API-server defaulting of networking.k8s.io/v1 NetworkPolicy (pkg/apis/networking/v1
// defaults.go): a port's protocol defaults to TCP, and policyTypes, when not written,
// is [Ingress] plus Egress when the policy has at least one egress rule.
import type { NetworkPolicy, NetworkPolicyPort } from '../types.ts';

/** The namespace a policy lives in ("default" when metadata.namespace is not set). */
export function policyNamespace(p: NetworkPolicy): string {
  return p.metadata.namespace ?? 'default';
}

/** "<ns>/<name>" */
export function policyId(p: NetworkPolicy): string {
  return `${policyNamespace(p)}/${p.metadata.name}`;
}

function defaultPorts(ports: NetworkPolicyPort[] | undefined): NetworkPolicyPort[] | undefined {
  return ports?.map((port) => ({ ...port, protocol: port.protocol ?? 'TCP' }));
}

/** Returns a defaulted copy; never mutates its input. Idempotent. */
export function defaultPolicy(p: NetworkPolicy): NetworkPolicy {
  const spec = p.spec ?? { podSelector: {} };
  const ingress = spec.ingress?.map((r) => ({ ...r, ports: defaultPorts(r.ports) }));
  const egress = spec.egress?.map((r) => ({ ...r, ports: defaultPorts(r.ports) }));
  let policyTypes = spec.policyTypes;
  if (!policyTypes || policyTypes.length === 0) {
    policyTypes = ['Ingress'];
    if ((spec.egress ?? []).length > 0) policyTypes.push('Egress');
  }
  return {
    ...p,
    spec: {
      ...spec,
      podSelector: spec.podSelector ?? {},
      policyTypes,
      ...(ingress ? { ingress } : {}),
      ...(egress ? { egress } : {}),
    },
  };
}
