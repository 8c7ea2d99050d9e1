// Suites for the netns wire tests, built as data (the shape lib/suite's loader produces):
// the upstream 3×3 world with its pinned IPs, plus the cluster DNS the loader adds.
import { implicitDnsNamespace, implicitDnsPod, implicitDnsService } from '../../lib/suite/dns.ts';
import type { ExternalSpec, PodSpec, ServiceSpec, Suite } from '../../lib/types.ts';
import { ip6of3x3, podCIDR6of3x3 } from '../fixtures/policy/dual-stack.ts';
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

/**
 * Real servers behind Services in namespace `app`: postgres (named targetPort), redis,
 * SIP over UDP and TCP, HTTP with two backends, HTTPS; a client pod; and an external SIP
 * peer at a TEST-NET address.
 */
export function servicesSuite(): Suite {
  const pod = (name: string, labels: Record<string, string>, serve: PodSpec['serve']): PodSpec => ({ name, namespace: 'app', labels, serve });
  return suiteOf('netns-services', {
    pods: [
      pod('client', { app: 'client' }, []),
      pod('db', { app: 'db' }, [{ port: 5432, protocol: 'TCP', app: 'postgres', name: 'pg' }]),
      pod('cache', { app: 'cache' }, [{ port: 6379, protocol: 'TCP', app: 'redis' }]),
      pod('sip', { app: 'sip' }, [
        { port: 5060, protocol: 'UDP', app: 'sip', name: 'sip-udp' },
        { port: 5060, protocol: 'TCP', app: 'sip', name: 'sip-tcp' },
      ]),
      pod('web-1', { app: 'web' }, [
        { port: 8080, protocol: 'TCP', app: 'http', name: 'http' },
        { port: 8443, protocol: 'TCP', app: 'https', name: 'https' },
      ]),
      pod('web-2', { app: 'web' }, [
        { port: 8080, protocol: 'TCP', app: 'http', name: 'http' },
        { port: 8443, protocol: 'TCP', app: 'https', name: 'https' },
      ]),
    ],
    services: [
      { name: 'postgres', namespace: 'app', selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 'pg', protocol: 'TCP' }] },
      { name: 'cache', namespace: 'app', selector: { app: 'cache' }, ports: [{ port: 6379, targetPort: 6379, protocol: 'TCP' }] },
      {
        name: 'sip',
        namespace: 'app',
        selector: { app: 'sip' },
        ports: [
          { name: 'sip-udp', port: 5060, targetPort: 'sip-udp', protocol: 'UDP' },
          { name: 'sip-tcp', port: 5060, targetPort: 'sip-tcp', protocol: 'TCP' },
        ],
      },
      {
        name: 'web',
        namespace: 'app',
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
        ],
      },
      { name: 'nobody', namespace: 'app', selector: { app: 'none' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] },
    ],
    externals: [{ name: 'voip-provider', ip: '203.0.113.10', serve: [{ port: 5060, protocol: 'UDP', app: 'sip' }, { port: 7, protocol: 'TCP', app: 'echo' }] }],
  });
}

/** The services suite as a dual-stack (or IPv6-only) suite, with an IPv6 address for the external. */
export function servicesSuiteWith(ipFamilies: Suite['ipFamilies']): Suite {
  const s = servicesSuite();
  const v6only = ipFamilies!.length === 1 && ipFamilies![0] === 'IPv6';
  return {
    ...s,
    ipFamilies,
    podCIDR6: 'fd00:10:244::/56',
    serviceCIDR6: 'fd00:10:96::/112',
    externals: s.externals.map((e) => ({ ...e, ip: v6only ? '2001:db8::10' : e.ip, ip6: '2001:db8::10' })),
  };
}

/** The 3×3 world dual-stack: each pod keeps its pinned IPv4 address and gets a pinned IPv6 one (ip6of3x3). */
export function suite3x3Dual(): Suite {
  const s = suite3x3();
  const pinned = new Map(world3x3.pods.map((p) => [`${p.namespace}/${p.name}`, ip6of3x3(p.namespace, p.name)]));
  return {
    ...s,
    name: 'netns-3x3-dual',
    ipFamilies: ['IPv4', 'IPv6'],
    podCIDR6: podCIDR6of3x3,
    serviceCIDR6: 'fd00:10:96::/112',
    pods: s.pods.map((p) => {
      const ip6 = pinned.get(`${p.namespace}/${p.name}`);
      return ip6 ? { ...p, ip6 } : p;
    }),
  };
}
