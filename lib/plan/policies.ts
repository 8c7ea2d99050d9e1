// The policies in force: each policy document (NetworkPolicy, or an admin policy: ANP, BANP,
// CNP) with its `{{podIP <ns>/<pod>}}` placeholders (lib/suite/template.ts: the syntax the
// loader checks) filled once pods have addresses, then parsed again from the text.
import { parse } from 'yaml';
import { InfrastructureError } from '../errors.ts';
import { limits, limitValue } from '../limits.ts';
import { decodeNulls } from '../policy/decode.ts';
import type { ClusterState } from '../provider.ts';
import { familyOfIP, stateFor } from '../suite/families.ts';
import { parsePodIPPlaceholder, placeholderPattern } from '../suite/template.ts';
import { adminPolicySchemas, appliedAdminDocument } from '../suite/admin-schema.ts';
import type { IPFamily, LoadedAdminPolicy, LoadedPolicy, NetworkPolicy, Suite } from '../types.ts';
import { normalizeAdminPolicy, type AdminInForce, type AdminPolicyDocument } from '../policy/admin.ts';

/** A pod's address (of one family, or the primary one): the cluster state, or a plain primary-address map. */
export type PodIPSource = Map<string, string> | ClusterState;

function lookup(source: PodIPSource, ref: string, family: IPFamily | undefined): string | undefined {
  if (source instanceof Map) return family ? [source.get(ref)].find((ip) => ip && familyOfIP(ip) === family) : source.get(ref);
  const state = family ? stateFor(source, family) : source;
  return state?.podIPs.get(ref);
}

/** Replaces every `{{podIP <ns>/<pod>}}` (and podIP4, podIP6) in `text` with the pod's IP. */
export function fillPodIPs(text: string, podIPs: PodIPSource): string {
  return text.replace(placeholderPattern, (whole, inner: string) => {
    const m = parsePodIPPlaceholder(inner);
    if (!m) return whole;
    const ip = lookup(podIPs, m.ref, m.family);
    if (!ip) throw new InfrastructureError('fill policy templates', `pod ${m.ref} has no ${m.family ? `${m.family} address` : 'IP'} (referenced by ${whole})`);
    return ip;
  });
}

/** The policy as it should be applied: placeholders filled, parsed again from the text. */
export function renderPolicy(loaded: LoadedPolicy, podIPs: PodIPSource): NetworkPolicy {
  if (!loaded.text.includes('{{')) return loaded.policy;
  // Nulls as the API server decodes them (as at load time); an absent spec is the empty one.
  // The text's aliases were checked when it was loaded (lib/yaml-input.ts): the same limit here.
  const policy = decodeNulls<NetworkPolicy>(parse(fillPodIPs(loaded.text, podIPs), { maxAliasCount: limitValue(limits.yamlAliases) }));
  // Defaults applied at load time (podSelector, namespace) must survive the re-parse.
  return {
    ...policy,
    metadata: { ...policy.metadata, namespace: loaded.namespace },
    spec: { ...policy.spec, podSelector: policy.spec?.podSelector ?? {} },
  };
}

/** Every policy of the suite as it is applied once the provider has assigned pod IPs. */
export function policiesInForce(suite: Suite, state: ClusterState): NetworkPolicy[] {
  return suite.policies.map((lp) => renderPolicy(lp, state));
}

/**
 * An admin policy as it should be applied: placeholders filled, parsed again from the text
 * through the loader's schema (the same null decoding and defaults as at load time).
 */
export function renderAdminPolicy(loaded: LoadedAdminPolicy, podIPs: PodIPSource): AdminPolicyDocument {
  if (!loaded.text.includes('{{')) return loaded.document;
  // The text's aliases were checked when it was loaded (lib/yaml-input.ts): the same limit here.
  const data = parse(fillPodIPs(loaded.text, podIPs), { maxAliasCount: limitValue(limits.yamlAliases) }) as unknown;
  const parsed = adminPolicySchemas[loaded.document.kind].safeParse(data);
  if (!parsed.success) {
    // The loader checked every placeholder fills to a valid value: only an address of the wrong shape gets here.
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new InfrastructureError('fill policy templates', `${loaded.id} is not valid once its pod addresses are filled in: ${why}`);
  }
  return appliedAdminDocument(parsed.data);
}

/** Every admin policy of the suite as it is applied: placeholders filled, then normalized for the model. */
export function adminPoliciesInForce(suite: Suite, state: ClusterState): AdminInForce[] {
  return (suite.adminPolicies ?? []).map((lp) => {
    const document = renderAdminPolicy(lp, state);
    return { document, policy: normalizeAdminPolicy(document) };
  });
}
