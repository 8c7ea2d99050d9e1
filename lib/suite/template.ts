// `{{podIP <ns>/<pod>}}` placeholders in policy documents (the pod's primary address, as
// status.podIP; `{{podIP4 …}}` / `{{podIP6 …}}` name one family's address on dual-stack suites). They sit inside YAML strings
// (`cidr: "{{podIP ns/pod}}/32"`), so a document parses before pods have addresses. The
// loader checks them (lib/suite/policies.ts); lib/plan/policies.ts fills them once the
// provider has assigned IPs, then parses the text again.
import type { IPFamily } from '../types.ts';

/** Any `{{ … }}`; group 1 is the inside, trimmed by the callers. */
export const placeholderPattern = /\{\{([^{}]*)\}\}/g;
/** The inside of a podIP placeholder; group 1 is `<ns>/<pod>` (podIP4 / podIP6: parsePodIPPlaceholder). */
export const podIPPlaceholder = /^\s*podIP\s+([^\s/]+\/[^\s/]+)\s*$/;

/** The ref of a podIP placeholder's inside, and the family it asks for (undefined: the primary). */
export function parsePodIPPlaceholder(inner: string): { ref: string; family?: IPFamily } | undefined {
  const m = /^\s*podIP(4|6)?\s+([^\s/]+\/[^\s/]+)\s*$/.exec(inner);
  if (!m) return undefined;
  return { ref: m[2]!, ...(m[1] ? { family: m[1] === '6' ? ('IPv6' as const) : ('IPv4' as const) } : {}) };
}
