// The cluster DNS every real cluster has: namespace kube-system, a CoreDNS pod and the
// kube-dns Service. Added unless the suite turns it off (spec.clusterDNS: false) or
// declares the object itself, so flows like "reaches kube-dns" work without boilerplate.
import type { NamespaceSpec, PodSpec, ServiceSpec } from '../types.ts';

export const dnsNamespace = 'kube-system';
export const dnsPodName = 'coredns';
export const dnsServiceName = 'kube-dns';

export function implicitDnsNamespace(): NamespaceSpec {
  return { name: dnsNamespace, labels: { 'kubernetes.io/metadata.name': dnsNamespace } };
}

export function implicitDnsPod(): PodSpec {
  return {
    name: dnsPodName,
    namespace: dnsNamespace,
    labels: { 'k8s-app': 'kube-dns' },
    serve: [
      { port: 53, protocol: 'UDP', app: 'dns', name: 'dns' },
      { port: 53, protocol: 'TCP', app: 'dns', name: 'dns-tcp' },
    ],
  };
}

export function implicitDnsService(): ServiceSpec {
  return {
    name: dnsServiceName,
    namespace: dnsNamespace,
    selector: { 'k8s-app': 'kube-dns' },
    ports: [
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
    ],
  };
}
