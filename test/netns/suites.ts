// Suites for the netns wire tests, built as data (the shape lib/suite's loader produces):
// the upstream 3×3 world with its pinned IPs, plus the cluster DNS the loader adds.
import { implicitDnsNamespace, implicitDnsPod, implicitDnsService } from '../../lib/suite/dns.ts';
import type { ExternalSpec, PodSpec, ServiceSpec, Suite } from '../../lib/types.ts';
import { world3x3 } from '../fixtures/policy/world3x3.ts';

const here = { file: 'test/netns/suites.ts', line: 1 };

export function suiteOf(name: string, parts: { pods: PodSpec[]; services?: ServiceSpec[]; externals?: ExternalSpec[]; namespaces?: Suite['namespaces'] }): Suite {
  const namespaces = parts.namespaces ?? [...new Set(parts.pods.map((p) => p.namespace))].map((n) => ({ name: n, labels: { 'kubernetes.io/metadata.name': n } }));
  return {
    file: here.file,
    name,
    controls: [],
    podCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    namespaces: [...namespaces, implicitDnsNamespace()],
    pods: [...parts.pods, implicitDnsPod()],
    services: [...(parts.services ?? []), implicitDnsService()],
    externals: parts.externals ?? [],
    policies: [],
    flows: [],
  };
}

/** x, y, z × a, b, c; every pod echoes on 80 and 81 over TCP and UDP (named serve-<port>-<proto>). */
export function suite3x3(): Suite {
  const pods: PodSpec[] = world3x3.pods.map((p) => ({
    name: p.name,
    namespace: p.namespace,
    labels: { ...p.labels },
    ip: p.ip,
    serve: p.ports.map((port) => ({ port: port.port, protocol: port.protocol, app: 'echo' as const, name: port.name })),
  }));
  return suiteOf('netns-3x3', { pods, namespaces: world3x3.namespaces.map((n) => ({ name: n.name, labels: { ...n.labels } })) });
}
