// The record of every policy a suite tests, both scopes, as results.json keeps it
// (meta.policies) and `verify --policies` compares it: name, namespace ('' for a
// cluster-scoped admin policy), kind (absent for a NetworkPolicy), file and digest.
// With policy steps, every document of the base and of every step, each once (a step's own
// set in force: policyRecords(stepSuite(...)), lib/suite/steps.ts).
import type { PolicyRecord, Suite } from '../types.ts';
import { everyPolicy } from './steps.ts';

export function policyRecords(suite: Suite): PolicyRecord[] {
  const { policies, admin } = everyPolicy(suite);
  return [
    ...policies.map((p) => ({ name: p.policy.metadata.name, namespace: p.namespace, file: p.source.file, sha256: p.sha256 })),
    ...admin.map((a) => ({ name: a.document.metadata.name, namespace: '', kind: a.document.kind, file: a.source.file, sha256: a.sha256 })),
  ];
}
