// The emulated cluster's wiring as data, and the shell scripts that build it. Pure: no
// side effects, so the addressing rules can be unit-tested without root.
//
//   pod netns (eth0 = pod IP) ──veth── bridge in the node netns (gateway IP, ip_forward)
//   external netns (eth0 = its TEST-NET IP) ──veth── node netns (/32 route + proxy ARP)
// The host namespace gets no address and no route: nothing here can reach the outside.
import { formatIPv4, parseCidr4 } from '../../suite/ip.ts';
import type { ClusterState } from '../../provider.ts';
import type { Suite } from '../../types.ts';
import { workloadIf, type RunNames } from './names.ts';
import { egressDenyMark } from './nft-policy.ts';

export interface WorkloadNet {
  /** "<ns>/<pod>" for pods, "ext:<name>" for externals. */
  key: string;
  kind: 'pod' | 'external';
  netns: string;
  /** The veth end in the node namespace. */
  hostIf: string;
  ip: string;
}

export interface TopologyPlan {
  names: RunNames;
  podCIDR: string;
  /** The bridge's address: the pods' default gateway (last usable address of podCIDR). */
  gatewayIP: string;
  /** Prefix length of podCIDR, for the bridge address. */
  prefixLen: number;
  pods: WorkloadNet[];
  externals: WorkloadNet[];
}

export function planTopology(names: RunNames, suite: Pick<Suite, 'pods' | 'externals' | 'podCIDR'>, state: ClusterState): TopologyPlan {
  const cidr = parseCidr4(suite.podCIDR);
  if (!cidr || cidr.size < 4) throw new Error(`podCIDR ${suite.podCIDR} is not an IPv4 block with room for a gateway`);
  const used = new Set(state.podIPs.values());
  let gw = cidr.base + cidr.size - 2;
  while (used.has(formatIPv4(gw)) && gw > cidr.base) gw--;
  const pods = suite.pods.map((p, i): WorkloadNet => {
    const key = `${p.namespace}/${p.name}`;
    const ip = state.podIPs.get(key);
    if (!ip) throw new Error(`no IP planned for pod ${key}`);
    return { key, kind: 'pod', netns: names.podNs(i), hostIf: names.podHostIf(i), ip };
  });
  const externals = suite.externals.map((e, i): WorkloadNet => {
    const ip = state.externalIPs.get(e.name) ?? e.ip;
    return { key: `ext:${e.name}`, kind: 'external', netns: names.externalNs(i), hostIf: names.externalHostIf(i), ip };
  });
  return { names, podCIDR: `${formatIPv4(cidr.base)}/${cidr.bits}`, gatewayIP: formatIPv4(gw), prefixLen: cidr.bits, pods, externals };
}

function inPodCIDR(plan: TopologyPlan, ip: string): boolean {
  const cidr = parseCidr4(plan.podCIDR)!;
  const n = parseCidr4(`${ip}/32`)?.base;
  return n !== undefined && n >= cidr.base && n < cidr.base + cidr.size;
}

const sinkIf = 'fpsink';
const sinkGateway = '169.254.255.1';
const sinkTable = 100;

const sysctl = (path: string, value: string | number) => `echo ${value} > /proc/sys/net/${path}`;

/** Runs inside the node namespace: bridge, forwarding, and every veth pair. */
export function nodeScript(plan: TopologyPlan): string {
  const { bridge } = plan.names;
  const lines = [
    'ip link set lo up',
    sysctl('ipv4/ip_forward', 1),
    // The bridge forwards between pods on one segment: no ICMP redirects, no reverse-path drops.
    sysctl('ipv4/conf/all/send_redirects', 0),
    sysctl('ipv4/conf/default/send_redirects', 0),
    sysctl('ipv4/conf/all/rp_filter', 0),
    sysctl('ipv4/conf/default/rp_filter', 0),
    sysctl('ipv6/conf/all/disable_ipv6', 1),
    sysctl('ipv6/conf/default/disable_ipv6', 1),
    `ip link add ${bridge} type bridge forward_delay 0`,
    `ip addr add ${plan.gatewayIP}/${plan.prefixLen} dev ${bridge}`,
    `ip link set ${bridge} up`,
  ];
  for (const p of plan.pods) {
    lines.push(`ip link add ${p.hostIf} type veth peer name ${workloadIf} netns ${p.netns}`);
    lines.push(`ip link set ${p.hostIf} master ${bridge} up`);
    // A pinned pod IP outside podCIDR is reached through the gateway.
    if (!inPodCIDR(plan, p.ip)) lines.push(`ip route add ${p.ip}/32 dev ${bridge}`);
  }
  for (const e of plan.externals) {
    lines.push(`ip link add ${e.hostIf} type veth peer name ${workloadIf} netns ${e.netns}`);
    lines.push(sysctl(`ipv4/conf/${e.hostIf}/proxy_arp`, 1));
    lines.push(`ip link set ${e.hostIf} up`);
    lines.push(`ip route add ${e.ip}/32 dev ${e.hostIf}`);
  }
  return lines.join('\n');
}

/** Runs inside a pod or external namespace once its eth0 exists. */
export function workloadScript(plan: TopologyPlan, w: WorkloadNet): string {
  const lines = [
    sysctl('ipv6/conf/all/disable_ipv6', 1),
    sysctl('ipv6/conf/default/disable_ipv6', 1),
    sysctl('ipv4/conf/all/rp_filter', 0),
    sysctl('ipv4/conf/default/rp_filter', 0),
    'ip link set lo up',
    `ip addr add ${w.ip}/32 dev ${workloadIf}`,
    `ip link set ${workloadIf} up`,
  ];
  if (w.kind === 'pod') {
    // The sink for egress denials (nft-policy.ts): marked packets are routed to a neighbour
    // that does not exist behind a veth pair inside the pod, and silently discarded there.
    lines.push(`ip link add ${sinkIf} type veth peer name ${sinkIf}p`);
    lines.push(`ip link set ${sinkIf} up`);
    lines.push(`ip link set ${sinkIf}p up`);
    lines.push(`ip neigh add ${sinkGateway} lladdr 02:00:00:00:00:01 dev ${sinkIf} nud permanent`);
    lines.push(`ip route add default via ${sinkGateway} dev ${sinkIf} onlink table ${sinkTable}`);
    lines.push(`ip rule add fwmark 0x${egressDenyMark.toString(16)}/0x${egressDenyMark.toString(16)} lookup ${sinkTable} pref 100`);
    lines.push(`ip route add ${plan.podCIDR} dev ${workloadIf} src ${w.ip}`);
    lines.push(`ip route add default via ${plan.gatewayIP} dev ${workloadIf} src ${w.ip}`);
  } else {
    // Proxy ARP on the node side answers for every address: a device route is enough.
    lines.push(`ip route add default dev ${workloadIf} src ${w.ip}`);
  }
  return lines.join('\n');
}

/** /etc/netns/<ns>/resolv.conf for a pod: cluster DNS with the Kubernetes search path. */
export function podResolvConf(namespace: string, dnsIP: string | undefined): string {
  const lines = ['# written by flowproof for a pod network namespace; removed at teardown'];
  if (dnsIP) lines.push(`nameserver ${dnsIP}`);
  lines.push(`search ${namespace}.svc.cluster.local svc.cluster.local cluster.local`);
  lines.push('options ndots:5');
  return `${lines.join('\n')}\n`;
}

/** Externals are outside the cluster: no cluster DNS, and no host resolver either. */
export function externalResolvConf(): string {
  return '# written by flowproof for an external network namespace: no resolver\noptions ndots:1\n';
}
