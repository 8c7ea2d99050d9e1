// `{{podIP <ns>/<pod>}}` placeholders in policy documents. They sit inside YAML strings
// (`cidr: "{{podIP ns/pod}}/32"`), so a document parses before pods have addresses; the
// runner fills them once the provider has assigned IPs, then parses the text again.
import { parse } from 'yaml';
import { InfrastructureError } from '../errors.ts';
import { decodeNulls } from '../policy/decode.ts';
import type { ClusterState } from '../provider.ts';
import type { LoadedPolicy, NetworkPolicy, Suite } from '../types.ts';

/** Any `{{ … }}`; group 1 is the inside, trimmed by the callers. */
export const placeholderPattern = /\{\{([^{}]*)\}\}/g;
/** The inside of a podIP placeholder; group 1 is `<ns>/<pod>`. */
export const podIPPlaceholder = /^\s*podIP\s+([^\s/]+\/[^\s/]+)\s*$/;

/** Replaces every `{{podIP <ns>/<pod>}}` in `text` with the pod's IP. */
export function fillPodIPs(text: string, podIPs: Map<string, string>): string {
  return text.replace(placeholderPattern, (whole, inner: string) => {
    const m = podIPPlaceholder.exec(inner);
    if (!m) return whole;
    const ip = podIPs.get(m[1]);
    if (!ip) throw new InfrastructureError('fill policy templates', `pod ${m[1]} has no IP (referenced by ${whole})`);
    return ip;
  });
}

/** The policy as it should be applied: placeholders filled, parsed again from the text. */
export function renderPolicy(loaded: LoadedPolicy, podIPs: Map<string, string>): NetworkPolicy {
  if (!loaded.text.includes('{{')) return loaded.policy;
  // Nulls as the API server decodes them (as at load time); an absent spec is the empty one.
  const policy = decodeNulls<NetworkPolicy>(parse(fillPodIPs(loaded.text, podIPs)));
  // Defaults applied at load time (podSelector, namespace) must survive the re-parse.
  return {
    ...policy,
    metadata: { ...policy.metadata, namespace: loaded.namespace },
    spec: { ...policy.spec, podSelector: policy.spec?.podSelector ?? {} },
  };
}

/** Every policy of the suite as it is applied once the provider has assigned pod IPs. */
export function policiesInForce(suite: Suite, state: ClusterState): NetworkPolicy[] {
  return suite.policies.map((lp) => renderPolicy(lp, state.podIPs));
}
