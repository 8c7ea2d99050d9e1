// The emulated cluster's wiring as data, and what builds it: per namespace its sysctls and
// its `ip -batch` lines (topology.ts runs them: one process per list, no shell). Pure: no
// side effects, so the addressing rules can be unit-tested without root.
//
//   pod netns (eth0 = pod IP) ──veth── bridge in the node netns (gateway IP, ip_forward)
//   external netns (eth0 = its TEST-NET IP) ──veth── node netns (/32 route + proxy ARP)
// The host namespace gets no address and no route: nothing here can reach the outside.
//
// IPv6 (suites with IPv6 in ipFamilies) is enabled in the run's own namespaces only; an
// IPv4-only suite keeps it disabled there, as it always has. Pods get a ULA /128 on eth0
// and the bridge podCIDR6's ::1 as gateway; externals their 2001:db8:: /128 and a
// link-local gateway (fe80::1 on the node side of their veth: no NDP proxy needed).
// Addresses are added with `nodad` and DAD is off, so nothing waits for duplicate
// address detection.
import { addressAt, formatIPv4, parseCidr, parseCidr4 } from '../../ip.ts';
import type { ClusterState } from '../../provider.ts';
import { stateFor, suiteFamilies } from '../../suite/families.ts';
import type { IPFamily, Suite } from '../../types.ts';
import { workloadIf, type RunNames } from './names.ts';
import type { Sysctl } from './ns-helper.ts';
import { egressDenyMark } from './nft-policy.ts';

export interface WorkloadNet {
  /** "<ns>/<pod>" for pods, "ext:<name>" for externals. */
  key: string;
  kind: 'pod' | 'external';
  netns: string;
  /** The veth end in the node namespace. */
  hostIf: string;
  /** IPv4 address (absent on an IPv6-only suite, or for an external without one). */
  ip?: string;
  /** IPv6 address, on suites with IPv6. */
  ip6?: string;
}

export interface TopologyPlan {
  names: RunNames;
  podCIDR: string;
  /** The bridge's address: the pods' default gateway (last usable address of podCIDR). */
  gatewayIP: string;
  /** Prefix length of podCIDR, for the bridge address. */
  prefixLen: number;
  /** The suite's families, primary first. */
  families: IPFamily[];
  /** IPv6: podCIDR6, the bridge's address in it (::1, the pods' gateway) and its prefix length. */
  podCIDR6?: string;
  gatewayIP6?: string;
  prefixLen6?: number;
  pods: WorkloadNet[];
  externals: WorkloadNet[];
}

export function planTopology(
  names: RunNames,
  suite: Pick<Suite, 'pods' | 'externals' | 'podCIDR'> & Partial<Pick<Suite, 'ipFamilies' | 'podCIDR6'>>,
  state: ClusterState,
): TopologyPlan {
  const families = suiteFamilies(suite);
  const v4 = families.includes('IPv4') ? stateFor(state, 'IPv4') : undefined;
  const v6 = families.includes('IPv6') ? stateFor(state, 'IPv6') : undefined;
  const cidr = parseCidr4(suite.podCIDR);
  if (!cidr || cidr.size < 4) throw new Error(`podCIDR ${suite.podCIDR} is not an IPv4 block with room for a gateway`);
  const used = new Set(v4?.podIPs.values() ?? []);
  let gw = cidr.base + cidr.size - 2;
  while (used.has(formatIPv4(gw)) && gw > cidr.base) gw--;
  const pods = suite.pods.map((p, i): WorkloadNet => {
    const key = `${p.namespace}/${p.name}`;
    const ip = v4?.podIPs.get(key);
    const ip6 = v6?.podIPs.get(key);
    if ((v4 && !ip) || (v6 && !ip6)) throw new Error(`no IP planned for pod ${key}`);
    return { key, kind: 'pod', netns: names.podNs(i), hostIf: names.podHostIf(i), ...(ip ? { ip } : {}), ...(ip6 ? { ip6 } : {}) };
  });
  const externals = suite.externals.map((e, i): WorkloadNet => {
    const ip = v4?.externalIPs.get(e.name);
    const ip6 = v6?.externalIPs.get(e.name);
    return { key: `ext:${e.name}`, kind: 'external', netns: names.externalNs(i), hostIf: names.externalHostIf(i), ...(ip ? { ip } : {}), ...(ip6 ? { ip6 } : {}) };
  });
  const plan: TopologyPlan = { names, podCIDR: `${formatIPv4(cidr.base)}/${cidr.bits}`, gatewayIP: formatIPv4(gw), prefixLen: cidr.bits, families, pods, externals };
  if (v6) {
    const cidr6 = parseCidr(suite.podCIDR6 ?? '');
    if (!cidr6 || cidr6.family !== 6) throw new Error(`podCIDR6 ${suite.podCIDR6} is not an IPv6 block`);
    plan.podCIDR6 = `${addressAt(cidr6, 0n)}/${cidr6.prefix}`;
    plan.gatewayIP6 = addressAt(cidr6, 1n);
    plan.prefixLen6 = cidr6.prefix;
  }
  return plan;
}

function inPodCIDR(plan: TopologyPlan, ip: string): boolean {
  const cidr = parseCidr4(plan.podCIDR)!;
  const n = parseCidr4(`${ip}/32`)?.base;
  return n !== undefined && n >= cidr.base && n < cidr.base + cidr.size;
}

const sinkIf = 'fpsink';
const sinkGateway = '169.254.255.1';
const sinkGateway6 = 'fe80::5:1';
const sinkTable = 100;
/** The node side of an external's veth, the external's IPv6 gateway. */
export const externalGateway6 = 'fe80::1';

/** What runs in one namespace to build it, as data: no shell, one `ip` process per list. */
export interface NamespaceSetup {
  netns: string;
  /** Written (by the namespace helper, for every namespace at once) before any link exists. */
  sysctls: Sysctl[];
  /** Sysctls of interfaces: written once the node's links exist, before the workloads' `ip` lines run. */
  linkSysctls: Sysctl[];
  /** `ip -n <netns> -batch` lines ("link set lo up"). */
  ip: string[];
  /** `ip -n <netns> -6 -batch` lines, run after `ip` (a batch line takes no -6 of its own). */
  ip6: string[];
}

const sysctl = (path: string, value: number): Sysctl => ({ path, value });

/**
 * Set in the node namespace before the pods' and externals' namespaces are created from it:
 * each then gets TCP and UDP socket tables of its own, small, instead of sharing the
 * machine's (reading a namespace's /proc/net/tcp, as waiting for a server does, walks the
 * whole table: ~10 ms with a host's 256K buckets, microseconds with 1024). Kernels from 6.1
 * (TCP) and 6.2 (UDP) have them; on older ones the namespaces share the tables as before.
 */
export const childTableSysctls: readonly Sysctl[] = [
  { path: 'ipv4/tcp_child_ehash_entries', value: 1024, optional: true },
  { path: 'ipv4/udp_child_hash_entries', value: 256, optional: true },
];

/** The node namespace: bridge, forwarding, and every veth pair (each pod's end moved into its namespace). */
export function nodeSetup(plan: TopologyPlan): NamespaceSetup {
  const { bridge } = plan.names;
  const sysctls = [
    sysctl('ipv4/ip_forward', 1),
    // The bridge forwards between pods on one segment: no ICMP redirects, no reverse-path drops.
    sysctl('ipv4/conf/all/send_redirects', 0),
    sysctl('ipv4/conf/default/send_redirects', 0),
    sysctl('ipv4/conf/all/rp_filter', 0),
    sysctl('ipv4/conf/default/rp_filter', 0),
    ...ipv6Sysctls(plan),
    ...(plan.podCIDR6 ? [sysctl('ipv6/conf/all/forwarding', 1)] : []),
  ];
  const ip = [
    'link set lo up',
    plan.podCIDR6 ? `link add ${bridge} type bridge forward_delay 0 mcast_snooping 0` : `link add ${bridge} type bridge forward_delay 0`,
    ...(hasV4(plan) ? [`addr add ${plan.gatewayIP}/${plan.prefixLen} dev ${bridge}`] : []),
    `link set ${bridge} up`,
  ];
  const ip6 = plan.podCIDR6 ? [`addr add ${plan.gatewayIP6}/${plan.prefixLen6} dev ${bridge} nodad`] : [];
  const linkSysctls: Sysctl[] = [];
  for (const p of plan.pods) {
    ip.push(`link add ${p.hostIf} type veth peer name ${workloadIf} netns ${p.netns}`);
    ip.push(`link set ${p.hostIf} master ${bridge} up`);
    // A pinned pod IP outside podCIDR is reached through the gateway.
    if (p.ip && !inPodCIDR(plan, p.ip)) ip.push(`route add ${p.ip}/32 dev ${bridge}`);
  }
  for (const e of plan.externals) {
    ip.push(`link add ${e.hostIf} type veth peer name ${workloadIf} netns ${e.netns}`);
    if (e.ip) linkSysctls.push(sysctl(`ipv4/conf/${e.hostIf}/proxy_arp`, 1));
    if (e.ip6) ip6.push(`addr add ${externalGateway6}/64 dev ${e.hostIf} nodad`);
    ip.push(`link set ${e.hostIf} up`);
    if (e.ip) ip.push(`route add ${e.ip}/32 dev ${e.hostIf}`);
    if (e.ip6) ip6.push(`route add ${e.ip6}/128 dev ${e.hostIf}`);
  }
  return { netns: plan.names.nodeNs, sysctls, linkSysctls, ip, ip6 };
}

function hasV4(plan: TopologyPlan): boolean {
  return (plan.families ?? ['IPv4']).includes('IPv4');
}

/**
 * IPv6 off in the namespace (IPv4-only suites, as always), or on without duplicate address
 * detection (`all` covers the interfaces that exist, `default` those made later).
 */
function ipv6Sysctls(plan: TopologyPlan): Sysctl[] {
  if (!plan.podCIDR6) return [sysctl('ipv6/conf/all/disable_ipv6', 1), sysctl('ipv6/conf/default/disable_ipv6', 1)];
  return [sysctl('ipv6/conf/all/disable_ipv6', 0), sysctl('ipv6/conf/default/disable_ipv6', 0), sysctl('ipv6/conf/all/accept_dad', 0), sysctl('ipv6/conf/default/accept_dad', 0)];
}

/** A pod or external namespace, once its eth0 exists (the node's `ip` lines made it). */
export function workloadSetup(plan: TopologyPlan, w: WorkloadNet): NamespaceSetup {
  const mark = `0x${egressDenyMark.toString(16)}/0x${egressDenyMark.toString(16)}`;
  const sysctls = [...ipv6Sysctls(plan), sysctl('ipv4/conf/all/rp_filter', 0), sysctl('ipv4/conf/default/rp_filter', 0)];
  const linkSysctls = plan.podCIDR6 ? [sysctl(`ipv6/conf/${workloadIf}/accept_dad`, 0)] : [];
  const ip = ['link set lo up', ...(w.ip ? [`addr add ${w.ip}/32 dev ${workloadIf}`] : []), `link set ${workloadIf} up`];
  const ip6 = w.ip6 ? [`addr add ${w.ip6}/128 dev ${workloadIf} nodad`] : [];
  if (w.kind === 'pod') {
    // The sink for egress denials (nft-policy.ts): marked packets are routed to a neighbour
    // that does not exist behind a veth pair inside the pod, and silently discarded there.
    ip.push(`link add ${sinkIf} type veth peer name ${sinkIf}p`, `link set ${sinkIf} up`, `link set ${sinkIf}p up`);
    if (w.ip) {
      ip.push(`neigh add ${sinkGateway} lladdr 02:00:00:00:00:01 dev ${sinkIf} nud permanent`);
      ip.push(`route add default via ${sinkGateway} dev ${sinkIf} onlink table ${sinkTable}`);
      ip.push(`rule add fwmark ${mark} lookup ${sinkTable} pref 100`);
      // Other pods are reached through the node, as on a routed CNI: one neighbour (the
      // gateway) per pod instead of one per peer. The machine's ARP table is shared by every
      // namespace (gc_thresh3, 1024 by default): a 100-pod matrix, each pod dialling all
      // others directly, overflows it and the kernel drops packets ("neighbor table overflow").
      ip.push(`route add ${plan.gatewayIP} dev ${workloadIf} scope link src ${w.ip}`);
      ip.push(`route add default via ${plan.gatewayIP} dev ${workloadIf} src ${w.ip}`);
    }
    if (w.ip6) {
      ip6.push(`neigh add ${sinkGateway6} lladdr 02:00:00:00:00:01 dev ${sinkIf} nud permanent`);
      ip6.push(`route add default via ${sinkGateway6} dev ${sinkIf} table ${sinkTable}`);
      ip6.push(`rule add fwmark ${mark} lookup ${sinkTable} pref 100`);
      ip6.push(`route add ${plan.podCIDR6} dev ${workloadIf} src ${w.ip6}`);
      ip6.push(`route add default via ${plan.gatewayIP6} dev ${workloadIf} src ${w.ip6}`);
    }
  } else {
    // Proxy ARP on the node side answers for every address: a device route is enough.
    if (w.ip) ip.push(`route add default dev ${workloadIf} src ${w.ip}`);
    // IPv6: the node side of the veth answers at its link-local gateway address.
    if (w.ip6) ip6.push(`route add default via ${externalGateway6} dev ${workloadIf} src ${w.ip6}`);
  }
  return { netns: w.netns, sysctls, linkSysctls, ip, ip6 };
}

/** A setup as the shell script it replaces, in the order its parts run (for reading and tests). */
export function setupScript(setup: NamespaceSetup, order: 'node' | 'workload'): string {
  const write = (s: Sysctl) => `echo ${s.value} > /proc/sys/net/${s.path}`;
  const ip = [...setup.ip.map((l) => `ip ${l}`), ...setup.ip6.map((l) => `ip -6 ${l}`)];
  const parts = order === 'node' ? [setup.sysctls.map(write), ip, setup.linkSysctls.map(write)] : [setup.sysctls.map(write), setup.linkSysctls.map(write), ip];
  return parts.flat().join('\n');
}

/** What builds the node namespace, as a script would say it. */
export function nodeScript(plan: TopologyPlan): string {
  return setupScript(nodeSetup(plan), 'node');
}

/** What builds a pod or external namespace, as a script would say it. */
export function workloadScript(plan: TopologyPlan, w: WorkloadNet): string {
  return setupScript(workloadSetup(plan, w), 'workload');
}

/** /etc/netns/<ns>/resolv.conf for a pod: cluster DNS with the Kubernetes search path (a dual-stack pod: both kube-dns ClusterIPs, primary first). */
export function podResolvConf(namespace: string, dnsIP: string | undefined, dnsIP2?: string): string {
  const lines = ['# written by flowproof for a pod network namespace; removed at teardown'];
  if (dnsIP) lines.push(`nameserver ${dnsIP}`);
  if (dnsIP2) lines.push(`nameserver ${dnsIP2}`);
  lines.push(`search ${namespace}.svc.cluster.local svc.cluster.local cluster.local`);
  lines.push('options ndots:5');
  return `${lines.join('\n')}\n`;
}

/** Externals are outside the cluster: no cluster DNS, and no host resolver either. */
export function externalResolvConf(): string {
  return '# written by flowproof for an external network namespace: no resolver\noptions ndots:1\n';
}
