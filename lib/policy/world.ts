// The plain-data world the model evaluates against: namespaces with labels and pods with
// labels, IPs and the ports they declare. No suite, no cluster: anything can build one.
import type { Labels, NamespaceSpec, Protocol } from '../types.ts';

export interface WorldPort {
  /** containerPort name: what a named port in a policy refers to. */
  name?: string;
  port: number;
  protocol: Protocol;
}

export interface WorldPod {
  namespace: string;
  name: string;
  labels: Labels;
  /** The pod's primary address (status.podIP). */
  ip: string;
  /**
   * Every address of the pod, primary first (status.podIPs): both families on a dual-stack
   * pod. Absent = [ip]. ipBlock peers see the address of the flow's family.
   */
  ips?: string[];
  ports: WorldPort[];
}

/** An address outside the pods: what admin `networks` and `domainNames` peers may name. */
export interface WorldExternal {
  name: string;
  /** Its addresses, one per family. */
  ips: string[];
  /** DNS names the suite says resolve to it (matched by domainNames peers, as a stated assumption). */
  hostnames?: string[];
}

export interface PolicyWorld {
  namespaces: NamespaceSpec[];
  pods: WorldPod[];
  /** Externals with their hostnames; absent = none (only admin domainNames peers read them). */
  externals?: WorldExternal[];
}

/** One end of a flow as the model sees it: a pod of the world, or an address outside it. */
export type PolicyEndpoint =
  | { kind: 'pod'; pod: WorldPod }
  | { kind: 'external'; ip: string; /** For messages only ("ext:voip-provider"). */ name?: string };

export interface PolicyQuery {
  src: PolicyEndpoint;
  dst: PolicyEndpoint;
  /** The port the packet arrives on at the destination (after Service DNAT). */
  port: number;
  protocol: Protocol;
  /**
   * The packet's IP family: which address of a dual-stack pod an ipBlock sees. Absent: the
   * family of an external end's address, else of the source pod's primary address.
   */
  family?: 4 | 6;
}

export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * The name of a pod's NetworkPolicy isolation for one direction, as a rule: what denies a
 * packet no rule of the selecting policies allows ("x/a ingress default-deny"). Enforcement
 * (netns) labels its default drop with it, so its counter can be read back under this name.
 */
export function isolationLabel(direction: 'ingress' | 'egress', pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name} ${direction} default-deny`;
}

/** Every address of a pod, primary first. */
export function podAddresses(pod: WorldPod): string[] {
  return pod.ips && pod.ips.length > 0 ? pod.ips : [pod.ip];
}

function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

/**
 * The endpoint's address in `family` (a pod's primary address when no family is given);
 * undefined for a pod without an address of that family.
 */
export function endpointIP(e: PolicyEndpoint, family?: 4 | 6): string | undefined {
  if (e.kind !== 'pod') return e.ip;
  if (family === undefined) return e.pod.ip;
  return podAddresses(e.pod).find((ip) => familyOf(ip) === family);
}

/** The family a query is evaluated in (see PolicyQuery.family). */
export function queryFamily(q: Pick<PolicyQuery, 'src' | 'dst' | 'family'>): 4 | 6 {
  if (q.family) return q.family;
  for (const e of [q.dst, q.src]) if (e.kind === 'external') return familyOf(e.ip);
  return familyOf(q.src.kind === 'pod' ? q.src.pod.ip : q.dst.kind === 'pod' ? q.dst.pod.ip : '');
}

/** "x/a" for a pod, "ext:<name> (ip)" or the IP for an address outside the cluster. */
export function endpointText(e: PolicyEndpoint): string {
  if (e.kind === 'pod') return podKey(e.pod);
  return e.name ? `ext:${e.name} (${e.ip})` : e.ip;
}
