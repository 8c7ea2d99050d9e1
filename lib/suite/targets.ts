// Where a flow's packet finally lands: the target workload, the Service port it dials,
// and the numeric port after named-port and targetPort resolution. Shared by the loader
// (to check named ports and default probes) and by resolveFlow (to give providers numbers).
import type { EndpointRef, ExternalSpec, PodSpec, Protocol, ServePort, ServicePortSpec, ServiceSpec, Suite } from '../types.ts';
import { selectorMatches } from './refs.ts';

export type SuiteObjects = Pick<Suite, 'pods' | 'services' | 'externals'>;

export type Workload = { kind: 'pod'; pod: PodSpec } | { kind: 'external'; external: ExternalSpec };

export interface TargetPort {
  /** The workload that receives the packet; undefined for a Service without backend or a bare IP. */
  backend?: Workload;
  /** Port on the backend after Service and named-port resolution (undefined when no backend can tell). */
  backendPort?: number;
  /** Port the probe dials: the Service port for svc targets, else the backend port. */
  dialPort?: number;
  service?: ServiceSpec;
  servicePort?: ServicePortSpec;
  /** The backend's matching serve entry (its `app` picks the default probe). */
  serve?: ServePort;
  /** Every ready backend of a Service with its resolved port (the first is `backend`). */
  backends?: Array<{ pod: PodSpec; port: number }>;
}

export function findPod(s: SuiteObjects, namespace: string, name: string): PodSpec | undefined {
  return s.pods.find((p) => p.namespace === namespace && p.name === name);
}
export function findService(s: SuiteObjects, namespace: string, name: string): ServiceSpec | undefined {
  return s.services.find((v) => v.namespace === namespace && v.name === name);
}
export function findExternal(s: SuiteObjects, name: string): ExternalSpec | undefined {
  return s.externals.find((e) => e.name === name);
}

/** Pods a Service selects (same namespace, not probe-only), sorted by name. */
export function serviceBackends(s: SuiteObjects, service: ServiceSpec): PodSpec[] {
  return s.pods
    .filter((p) => p.namespace === service.namespace && !p.probeOnly && selectorMatches(service.selector, p.labels))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function portList(serve: ServePort[]): string {
  if (serve.length === 0) return 'it declares no ports';
  return `it declares ${serve.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}`).join(', ')}`;
}

function onWorkload(w: Workload, what: string, port: number | string, protocol: Protocol): TargetPort | { error: string } {
  const serve = w.kind === 'pod' ? w.pod.serve : w.external.serve;
  if (typeof port === 'number') {
    const entry = serve.find((p) => p.port === port && p.protocol === protocol);
    return { backend: w, backendPort: port, dialPort: port, serve: entry };
  }
  const entry = serve.find((p) => p.name === port && p.protocol === protocol);
  if (!entry) return { error: `${what} has no port named "${port}" for ${protocol} (${portList(serve)})` };
  return { backend: w, backendPort: entry.port, dialPort: entry.port, serve: entry };
}

/**
 * Resolves `port`/`protocol` on the flow target. `ipOwner` maps an address to the pod or
 * external that has it (pinned IPs at load time, planned IPs when resolving).
 */
export function lookupTarget(
  s: SuiteObjects,
  to: EndpointRef,
  port: number | string,
  protocol: Protocol,
  ipOwner: (ip: string) => Workload | undefined,
): TargetPort | { error: string } {
  switch (to.kind) {
    case 'pod':
    case 'selector': {
      const pod = to.kind === 'pod' ? findPod(s, to.namespace, to.pod) : undefined;
      if (!pod) return { error: `unknown pod ${to.namespace}/${to.kind === 'pod' ? to.pod : '?'}` };
      return onWorkload({ kind: 'pod', pod }, `pod ${pod.namespace}/${pod.name}`, port, protocol);
    }
    case 'external': {
      const external = findExternal(s, to.name);
      if (!external) return { error: `unknown external ${to.name}` };
      return onWorkload({ kind: 'external', external }, `external ${external.name}`, port, protocol);
    }
    case 'ip': {
      const owner = ipOwner(to.ip);
      if (owner) {
        const what = owner.kind === 'pod' ? `pod ${owner.pod.namespace}/${owner.pod.name}` : `external ${owner.external.name}`;
        return onWorkload(owner, what, port, protocol);
      }
      if (typeof port === 'string') return { error: `named port "${port}" needs a pod, service or external target; ${to.ip} is none of them` };
      return { backendPort: port, dialPort: port };
    }
    case 'service': {
      const service = findService(s, to.namespace, to.name);
      if (!service) return { error: `unknown service ${to.namespace}/${to.name}` };
      const sp = service.ports.find((p) => (typeof port === 'number' ? p.port === port : p.name === port) && p.protocol === protocol);
      if (!sp) {
        const have = service.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}`).join(', ');
        const want = typeof port === 'number' ? `${port}/${protocol}` : `named "${port}" for ${protocol}`;
        return { error: `service ${service.namespace}/${service.name} has no port ${want} (it has ${have})` };
      }
      const target = sp.targetPort;
      // Kubernetes leaves pods that do not declare a named targetPort out of the endpoints.
      const candidates = serviceBackends(s, service).filter(
        (p) => typeof target === 'number' || p.serve.some((e) => e.name === target && e.protocol === sp.protocol),
      );
      const pod = candidates[0];
      if (!pod) return { service, servicePort: sp, dialPort: sp.port, backendPort: typeof target === 'number' ? target : undefined };
      const entryOf = (p: PodSpec): ServePort | undefined =>
        typeof target === 'number'
          ? p.serve.find((e) => e.port === target && e.protocol === sp.protocol)
          : p.serve.find((e) => e.name === target && e.protocol === sp.protocol);
      const portOf = (p: PodSpec): number => (typeof target === 'number' ? target : (entryOf(p)?.port as number));
      const backends = candidates.map((p) => ({ pod: p, port: portOf(p) }));
      return { service, servicePort: sp, dialPort: sp.port, backend: { kind: 'pod', pod }, backendPort: portOf(pod), serve: entryOf(pod), backends };
    }
  }
}
