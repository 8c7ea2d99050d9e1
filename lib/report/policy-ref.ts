// How a tested policy is named and where its copy sits in a bundle, for both scopes: a
// namespaced NetworkPolicy ("<ns>/<name>", policies/<ns>/<name>.yaml) and a cluster-scoped
// admin policy ("anp/<name>", policies/_cluster/anp-<name>.yaml).
import { adminPolicyId, type AdminKind } from '../policy/admin.ts';
import { safeFileName } from '../safe-name.ts';

export interface PolicyRef {
  name: string;
  /** '' for a cluster-scoped admin policy. */
  namespace: string;
  /** Absent: a networking.k8s.io/v1 NetworkPolicy. */
  kind?: AdminKind;
}

/** "x/allow-web" or "anp/tenant-isolation". */
export function policyLabel(r: PolicyRef): string {
  return r.kind ? adminPolicyId(r.kind, r.name) : `${r.namespace}/${r.name}`;
}

/**
 * The two path segments of the policy's copy under policies/. Admin policies go under
 * "_cluster" — a leading underscore is not allowed in a namespace name, so no NetworkPolicy's
 * folder can collide with it.
 */
export function policyCopySegments(r: PolicyRef): [string, string] {
  if (r.kind) return ['_cluster', safeFileName(adminPolicyId(r.kind, r.name).replace('/', '-'))];
  return [safeFileName(r.namespace), safeFileName(r.name)];
}
