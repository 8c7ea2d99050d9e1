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
  ip: string;
  ports: WorldPort[];
}

export interface PolicyWorld {
  namespaces: NamespaceSpec[];
  pods: WorldPod[];
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
}

export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}

export function endpointIP(e: PolicyEndpoint): string {
  return e.kind === 'pod' ? e.pod.ip : e.ip;
}

/** "x/a" for a pod, "ext:<name> (ip)" or the IP for an address outside the cluster. */
export function endpointText(e: PolicyEndpoint): string {
  if (e.kind === 'pod') return podKey(e.pod);
  return e.name ? `ext:${e.name} (${e.ip})` : e.ip;
}
