// IP families on a real cluster (kind, kubeconfig): what a suite with IPv6 asks of the
// Services flowproof creates (ipFamilyPolicy, ipFamilies), and the cluster state read back
// per family from status.podIPs and spec.clusterIPs. Pure, so it is tested as data.
import type { V1ServiceSpec } from '@kubernetes/client-node';
import { InfrastructureError, InputError, type InputProblem } from '../../errors.ts';
import type { ClusterState, FamilyAddresses } from '../../provider.ts';
import { familyOfIP, suiteFamilies } from '../../suite/families.ts';
import type { IPFamily, Suite } from '../../types.ts';

/**
 * The family fields of a Service flowproof creates: a dual-stack suite's Services are
 * RequireDualStack with the suite's families (primary first), an IPv6-only suite's are
 * SingleStack IPv6; an IPv4-only suite's say nothing, as before (the cluster's default).
 */
export function serviceFamilyFields(families: IPFamily[]): Pick<V1ServiceSpec, 'ipFamilyPolicy' | 'ipFamilies'> {
  if (families.length > 1) return { ipFamilyPolicy: 'RequireDualStack', ipFamilies: [...families] };
  if (families[0] === 'IPv6') return { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] };
  return {};
}

/** The address of `family` among a pod's or Service's addresses (status.podIPs, spec.clusterIPs). */
export function addressOf(ips: string[], family: IPFamily): string | undefined {
  return ips.find((ip) => familyOfIP(ip) === family);
}

export interface ClusterAddresses {
  /** "<ns>/<pod>" -> every address of the pod (status.podIPs, or [status.podIP]). */
  pods: Map<string, string[]>;
  /** "<ns>/<svc>" -> every ClusterIP (spec.clusterIPs, or [spec.clusterIP]). */
  services: Map<string, string[]>;
  /** external name -> its address as the provider set it up (IPv4 externals only). */
  externals: Map<string, string>;
  /** kube-dns's ClusterIPs. */
  dns: string[];
}

/**
 * The cluster state of the suite's families: the primary family's addresses on top, the
 * second's (dual-stack) as `secondary`. An IPv4-only suite reads exactly what it always did
 * (the IPv4 address of each pod and Service). A pod or Service without an address of a
 * family the suite needs is an infrastructure error naming it (a single-stack cluster, or an
 * existing single-stack Service).
 */
export function clusterStateOf(suite: Pick<Suite, 'ipFamilies' | 'externals'>, a: ClusterAddresses): ClusterState {
  const families = suiteFamilies(suite);
  const one = (family: IPFamily): FamilyAddresses => {
    const pick = (what: string, all: Map<string, string[]>): Map<string, string> => {
      const out = new Map<string, string>();
      for (const [ref, ips] of all) {
        const ip = addressOf(ips, family);
        if (!ip) {
          const hint = what === 'service' ? 'an existing Service must be dual-stack (ipFamilyPolicy PreferDualStack or RequireDualStack)' : 'the cluster must be dual-stack (kind: flowproof creates one for suites with IPv6)';
          throw new InfrastructureError('read cluster addresses', `${what} ${ref} has no ${family} address (it has ${ips.join(', ') || 'none'}), but the suite's ipFamilies has ${family}`, hint);
        }
        out.set(ref, ip);
      }
      return out;
    };
    const externalIPs = new Map([...a.externals].filter(([, ip]) => familyOfIP(ip) === family));
    const dnsIP = addressOf(a.dns, family);
    return { podIPs: pick('pod', a.pods), serviceIPs: pick('service', a.services), externalIPs, ...(dnsIP ? { dnsIP } : {}) };
  };
  const primary = one(families[0]!);
  if (families.length === 1 && families[0] === 'IPv4') return primary;
  return { ...primary, family: families[0], ...(families[1] ? { secondary: { ...one(families[1]), family: families[1] } } : {}) };
}

/**
 * What a cluster provider cannot do with a suite's IPv6 parts, as exit-2 problems: a pinned
 * ip6 (the cluster's IPAM assigns addresses), and, on kind, an IPv6 external (its externals
 * are containers on the kind network, which flowproof gives TEST-NET IPv4 addresses only).
 */
export function clusterFamilyProblems(suite: Suite, provider: string): InputProblem[] {
  const out: InputProblem[] = [];
  for (const p of suite.pods.filter((x) => x.ip6)) {
    out.push({ location: p.source ?? { file: suite.file, line: 1 }, message: `pod ${p.namespace}/${p.name} pins ip6 ${p.ip6}: the ${provider} provider cannot pin pod IPs (remove ip6, or use --provider netns)` });
  }
  if (provider === 'kind') {
    for (const e of suite.externals.filter((x) => x.ip6)) {
      out.push({
        location: e.source ?? { file: suite.file, line: 1 },
        message: `external ${e.name} has ip6 ${e.ip6}: the kind provider's externals are IPv4 containers on the kind network (see clusters/KNOWN-DIFFERENCES.md); remove ip6, or use --provider netns`,
      });
    }
  }
  return out;
}

export function checkClusterFamilies(suite: Suite, provider: string): void {
  const problems = clusterFamilyProblems(suite, provider);
  if (problems.length > 0) throw new InputError(problems);
}
