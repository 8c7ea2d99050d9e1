// Builds the model's plain-data world from a loaded suite and the addresses a provider (or
// the planner) assigned: pods with IPs and the ports they serve (named ports included).
import type { PolicyWorld, WorldPod } from '../policy/world.ts';
import type { ClusterState } from '../provider.ts';
import type { Suite } from '../types.ts';

export function worldFromSuite(suite: Suite, state: ClusterState): PolicyWorld {
  const pods: WorldPod[] = [];
  for (const p of suite.pods) {
    const ip = state.podIPs.get(`${p.namespace}/${p.name}`) ?? p.ip;
    if (!ip) continue; // a pod without an address cannot send or receive: leave it out
    // A dual-stack pod has both addresses (status.podIPs), primary first.
    const second = state.secondary?.podIPs.get(`${p.namespace}/${p.name}`);
    pods.push({
      namespace: p.namespace,
      name: p.name,
      labels: { ...p.labels },
      ip,
      ...(second ? { ips: [ip, second] } : {}),
      ports: p.serve.map((s) => ({ ...(s.name ? { name: s.name } : {}), port: s.port, protocol: s.protocol })),
    });
  }
  const namespaces = suite.namespaces.map((ns) => ({ name: ns.name, labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name } }));
  // Externals with the DNS names the suite gives them: what admin domainNames peers match.
  const externals = suite.externals.map((e) => ({
    name: e.name,
    ips: [e.ip, ...(e.ip6 && e.ip6 !== e.ip ? [e.ip6] : [])],
    ...(e.hostnames ? { hostnames: [...e.hostnames] } : {}),
  }));
  return { namespaces, pods, externals };
}

/** Pods and namespaces of a suite as labels only (lint needs no addresses). */
export function labelWorld(suite: Suite): PolicyWorld {
  return {
    namespaces: suite.namespaces.map((n) => ({ name: n.name, labels: { ...n.labels, 'kubernetes.io/metadata.name': n.name } })),
    pods: suite.pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      labels: p.labels,
      ip: p.ip ?? '',
      ports: p.serve.map((s) => ({ ...(s.name ? { name: s.name } : {}), port: s.port, protocol: s.protocol })),
    })),
  };
}
