// The address plan: which IP every pod, Service and external gets. Deterministic, so
// `plan` and the netns provider agree and a rerun gives the same evidence addresses.
import { InputError } from '../errors.ts';
import type { ClusterState } from '../provider.ts';
import type { Suite } from '../types.ts';
import { dnsNamespace, dnsServiceName } from './dns.ts';
import { formatIPv4, parseCidr4, parseIPv4 } from './ip.ts';
import type { Cidr4 } from './ip.ts';

/** Hands out addresses of a CIDR in order, skipping network, .1 (gateway / kubernetes
 * Service), broadcast and whatever is already taken. */
function allocator(cidr: Cidr4, taken: Set<number>, what: string, file: string): () => string {
  let next = cidr.base + 2;
  const last = cidr.base + cidr.size - 2;
  return () => {
    while (next <= last && taken.has(next)) next++;
    if (next > last) throw new InputError([{ location: { file, line: 1 }, message: `${what} has no free address left` }]);
    taken.add(next);
    return formatIPv4(next++);
  };
}

export function planAddresses(suite: Suite): ClusterState {
  const podCIDR = parseCidr4(suite.podCIDR)!;
  const serviceCIDR = parseCidr4(suite.serviceCIDR)!;

  const podIPs = new Map<string, string>();
  const pinned = new Set(suite.pods.filter((p) => p.ip).map((p) => parseIPv4(p.ip!)!));
  const nextPodIP = allocator(podCIDR, pinned, `podCIDR ${suite.podCIDR}`, suite.file);
  for (const p of suite.pods) podIPs.set(`${p.namespace}/${p.name}`, p.ip ?? nextPodIP());

  // kube-dns gets the 10th address, as kubeadm and kind configure the kubelet's clusterDNS.
  const dnsIPNumber = serviceCIDR.base + 10;
  const serviceIPs = new Map<string, string>();
  const nextServiceIP = allocator(serviceCIDR, new Set([dnsIPNumber]), `serviceCIDR ${suite.serviceCIDR}`, suite.file);
  for (const s of suite.services) {
    const isDns = s.namespace === dnsNamespace && s.name === dnsServiceName;
    serviceIPs.set(`${s.namespace}/${s.name}`, isDns ? formatIPv4(dnsIPNumber) : nextServiceIP());
  }

  const externalIPs = new Map(suite.externals.map((e) => [e.name, e.ip]));
  const dnsIP = serviceIPs.get(`${dnsNamespace}/${dnsServiceName}`);
  return { podIPs, serviceIPs, externalIPs, ...(dnsIP ? { dnsIP } : {}) };
}
