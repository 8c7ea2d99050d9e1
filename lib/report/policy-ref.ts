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

/**
 * Where a policy step's own policies are copied: policies/_steps/<nn>-<step>/ (the base ones
 * stay under policies/). Two steps may hold different documents of one name (the update a
 * step tests), so each step has its own folder; a leading underscore is no namespace name.
 */
export function stepPolicyDir(number: number, step: string): string {
  return `policies/_steps/${String(number).padStart(2, '0')}-${safeFileName(step, 60)}`;
}

/** The path of a step's own policy copy in the bundle. */
export function stepPolicyCopy(number: number, step: string, r: PolicyRef): string {
  return `${stepPolicyDir(number, step)}/${policyCopySegments(r).join('/')}.yaml`;
}
