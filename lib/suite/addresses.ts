// The address plan: which IP every pod, Service and external gets. Deterministic, so
// `plan` and the netns provider agree and a rerun gives the same evidence addresses.
import { InputError } from '../errors.ts';
import { addressAt, canonicalIP, formatIPv4, parseCidr, parseCidr4, parseIP, parseIPv4, type Cidr, type Cidr4 } from '../ip.ts';
import type { ClusterState, FamilyAddresses } from '../provider.ts';
import type { IPFamily, SourceLocation, Suite } from '../types.ts';
import { defaultPodCIDR6, defaultServiceCIDR6, externalAddress, suiteFamilies } from './families.ts';
import { dnsNamespace, dnsServiceName } from './dns.ts';

/** Hands out addresses of a CIDR in order, skipping network, .1 (gateway / kubernetes
 * Service), broadcast and whatever is already taken. */
/** Where an address range of the suite is written (the loader knows; others use the file). */
export type LocateRange = (field: 'podCIDR' | 'serviceCIDR' | 'podCIDR6' | 'serviceCIDR6') => SourceLocation;

function allocator(cidr: Cidr4, taken: Set<number>, what: string, location: SourceLocation): () => string {
  let next = cidr.base + 2;
  const last = cidr.base + cidr.size - 2;
  return () => {
    while (next <= last && taken.has(next)) next++;
    if (next > last) throw new InputError([{ location, message: `${what} has no free address left` }]);
    taken.add(next);
    return formatIPv4(next++);
  };
}

/** The IPv6 counterpart of allocator(): network and ::1 (the pods' gateway) are never handed out. */
function allocator6(cidr: Cidr, taken: Set<bigint>, what: string, location: SourceLocation): () => string {
  let next = 2n;
  const size = 1n << BigInt(128 - cidr.prefix);
  return () => {
    while (next < size && taken.has(cidr.base + next)) next++;
    if (next >= size) throw new InputError([{ location, message: `${what} has no free address left` }]);
    taken.add(cidr.base + next);
    return addressAt(cidr, next++);
  };
}

/** IPv6 addresses in the same order as IPv4 ones: pods from podCIDR6 ::2 on, kube-dns at serviceCIDR6 ::a. */
function planAddresses6(suite: Suite, locate: LocateRange): FamilyAddresses {
  const podText = suite.podCIDR6 ?? defaultPodCIDR6;
  const serviceText = suite.serviceCIDR6 ?? defaultServiceCIDR6;
  const podCIDR = parseCidr(podText)!;
  const serviceCIDR = parseCidr(serviceText)!;
  const podIPs = new Map<string, string>();
  const pinned = new Set(suite.pods.filter((p) => p.ip6).map((p) => parseIP(p.ip6!)!.value));
  const nextPodIP = allocator6(podCIDR, pinned, `podCIDR6 ${podText}`, locate('podCIDR6'));
  for (const p of suite.pods) podIPs.set(`${p.namespace}/${p.name}`, p.ip6 ? canonicalIP(p.ip6)! : nextPodIP());
  const dnsOffset = 10n;
  const serviceIPs = new Map<string, string>();
  const nextServiceIP = allocator6(serviceCIDR, new Set([serviceCIDR.base + dnsOffset]), `serviceCIDR6 ${serviceText}`, locate('serviceCIDR6'));
  for (const s of suite.services) {
    const isDns = s.namespace === dnsNamespace && s.name === dnsServiceName;
    serviceIPs.set(`${s.namespace}/${s.name}`, isDns ? addressAt(serviceCIDR, dnsOffset) : nextServiceIP());
  }
  const externalIPs = new Map(suite.externals.flatMap((e) => (externalAddress(e, 'IPv6') ? [[e.name, externalAddress(e, 'IPv6')!] as [string, string]] : [])));
  const dnsIP = serviceIPs.get(`${dnsNamespace}/${dnsServiceName}`);
  return { podIPs, serviceIPs, externalIPs, ...(dnsIP ? { dnsIP } : {}) };
}

/**
 * Every address of the suite: the primary family's as the top-level maps, the second
 * family's (dual-stack) as `secondary`. An IPv4-only suite plans exactly as it always has.
 */
export function planAddresses(suite: Suite, locate: LocateRange = () => ({ file: suite.file, line: 1 })): ClusterState {
  const families = suiteFamilies(suite);
  const plans: Record<IPFamily, () => FamilyAddresses> = { IPv4: () => planAddresses4(suite, locate), IPv6: () => planAddresses6(suite, locate) };
  const primary = plans[families[0]]();
  if (families.length === 1 && families[0] === 'IPv4') return primary;
  return {
    ...primary,
    family: families[0],
    ...(families[1] ? { secondary: { ...plans[families[1]](), family: families[1] } } : {}),
  };
}

function planAddresses4(suite: Suite, locate: LocateRange): FamilyAddresses {
  const podCIDR = parseCidr4(suite.podCIDR)!;
  const serviceCIDR = parseCidr4(suite.serviceCIDR)!;

  const podIPs = new Map<string, string>();
  const pinned = new Set(suite.pods.filter((p) => p.ip).map((p) => parseIPv4(p.ip!)!));
  const nextPodIP = allocator(podCIDR, pinned, `podCIDR ${suite.podCIDR}`, locate('podCIDR'));
  for (const p of suite.pods) podIPs.set(`${p.namespace}/${p.name}`, p.ip ?? nextPodIP());

  // kube-dns gets the 10th address, as kubeadm and kind configure the kubelet's clusterDNS.
  const dnsIPNumber = serviceCIDR.base + 10;
  if (suite.services.some((s) => s.namespace === dnsNamespace && s.name === dnsServiceName) && dnsIPNumber > serviceCIDR.base + serviceCIDR.size - 2) {
    throw new InputError([{ location: locate('serviceCIDR'), message: `serviceCIDR ${suite.serviceCIDR} is too small: kube-dns takes its 10th address (write a /28 or larger)` }]);
  }
  const serviceIPs = new Map<string, string>();
  const nextServiceIP = allocator(serviceCIDR, new Set([dnsIPNumber]), `serviceCIDR ${suite.serviceCIDR}`, locate('serviceCIDR'));
  for (const s of suite.services) {
    const isDns = s.namespace === dnsNamespace && s.name === dnsServiceName;
    serviceIPs.set(`${s.namespace}/${s.name}`, isDns ? formatIPv4(dnsIPNumber) : nextServiceIP());
  }

  const externalIPs = new Map(suite.externals.flatMap((e) => (externalAddress(e, 'IPv4') ? [[e.name, e.ip] as [string, string]] : [])));
  const dnsIP = serviceIPs.get(`${dnsNamespace}/${dnsServiceName}`);
  return { podIPs, serviceIPs, externalIPs, ...(dnsIP ? { dnsIP } : {}) };
}
