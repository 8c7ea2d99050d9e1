// Flow endpoint references: parsing the suite's `from`/`to` notation into EndpointRef,
// writing them back as text, and the deterministic name of a selector's probe-only pod.
import { createHash } from 'node:crypto';
import type { EndpointRef, Labels } from '../types.ts';

/** Parses a ref already checked against the schema's patterns. */
export function parseRef(ref: string | { namespace: string; labels: Labels }): EndpointRef {
  if (typeof ref !== 'string') return { kind: 'selector', namespace: ref.namespace, labels: { ...ref.labels } };
  if (ref.startsWith('ext:')) return { kind: 'external', name: ref.slice(4) };
  if (ref.startsWith('ip:')) return { kind: 'ip', ip: ref.slice(3) };
  if (ref.startsWith('svc:')) {
    const [namespace, name] = ref.slice(4).split('/');
    return { kind: 'service', namespace, name };
  }
  const [namespace, pod] = ref.split('/');
  return { kind: 'pod', namespace, pod };
}

function labelsText(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}: ${labels[k]}`)
    .join(', ');
}

/** The ref as the suite writes it; selectors as `{namespace: ns, labels: {k: v}}`. */
export function refText(ref: EndpointRef): string {
  switch (ref.kind) {
    case 'pod':
      return `${ref.namespace}/${ref.pod}`;
    case 'selector':
      return `{namespace: ${ref.namespace}, labels: {${labelsText(ref.labels)}}}`;
    case 'service':
      return `svc:${ref.namespace}/${ref.name}`;
    case 'external':
      return `ext:${ref.name}`;
    case 'ip':
      return `ip:${ref.ip}`;
  }
}

/** Name of the probe-only pod created for a `{namespace, labels}` source: `probe-<8 hex>`. */
export function probePodName(namespace: string, labels: Labels): string {
  const canonical = JSON.stringify([namespace, Object.keys(labels).sort().map((k) => [k, labels[k]])]);
  return `probe-${createHash('sha256').update(canonical).digest('hex').slice(0, 8)}`;
}

/** True when every label of `selector` is on `labels` (an empty selector matches nothing here:
 * a Service without selector has no endpoints). */
export function selectorMatches(selector: Labels, labels: Labels): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}
