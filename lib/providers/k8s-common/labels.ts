// Every object a cluster run creates carries the run id, so cleanup deletes exactly what
// this run made (and nothing an operator owns), also after Ctrl-C.
import { randomBytes } from 'node:crypto';
import type { Labels } from '../../types.ts';

export const runIdLabel = 'flowproof.dev/run-id';
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'flowproof';
/** Annotation telling what a pod is for: a suite workload or a probe-only pod. */
export const roleAnnotation = 'flowproof.dev/role';
export const fieldManager = 'flowproof';

/** A label-value-safe run id: `fp-<timestamp base36>-<6 hex>`. */
export function newRunId(now = Date.now()): string {
  return `fp-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function runLabels(runId: string): Labels {
  return { [runIdLabel]: runId, [managedByLabel]: managedByValue };
}

export function runSelector(runId: string): string {
  return `${runIdLabel}=${runId}`;
}
