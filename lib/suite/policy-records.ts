// The record of every policy a suite tests, both scopes, as results.json keeps it
// (meta.policies) and `verify --policies` compares it: name, namespace ('' for a
// cluster-scoped admin policy), kind (absent for a NetworkPolicy), file and digest.
import type { PolicyRecord, Suite } from '../types.ts';

export function policyRecords(suite: Suite): PolicyRecord[] {
  return [
    ...suite.policies.map((p) => ({ name: p.policy.metadata.name, namespace: p.namespace, file: p.source.file, sha256: p.sha256 })),
    ...(suite.adminPolicies ?? []).map((a) => ({ name: a.document.metadata.name, namespace: '', kind: a.document.kind, file: a.source.file, sha256: a.sha256 })),
  ];
}
