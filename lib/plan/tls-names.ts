// The DNS names TLS is checked for: what a server's certificate carries (the run's CA signs
// one per served TLS port) and what a tls: required flow verifies (SNI and hostname). One
// owner, so the server a provider starts and the name the runner checks always agree:
// - a Service target: <svc>.<ns>.svc.cluster.local (the certificate also has <svc>,
//   <svc>.<ns> and <svc>.<ns>.svc, as clients in the namespace dial them);
// - a pod target: <pod>.<ns>.pod.cluster.local (flowproof's convention: Kubernetes names pods
//   by their address there; this name is only ever an SNI and verification name);
// - an external: its first declared hostname, else <name>.external.flowproof.test.
import type { ResolvedFlow, ServePort, Suite } from '../types.ts';

const clusterDomain = 'cluster.local';

export function podServerName(namespace: string, pod: string): string {
  return `${pod}.${namespace}.pod.${clusterDomain}`;
}

export function serviceServerName(namespace: string, svc: string): string {
  return `${svc}.${namespace}.svc.${clusterDomain}`;
}

export function externalServerName(suite: Pick<Suite, 'externals'>, name: string): string {
  return suite.externals.find((e) => e.name === name)?.hostnames?.[0] ?? `${name}.external.flowproof.test`;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Every DNS name the certificate of a workload's TLS port carries. */
export function certificateNames(suite: Pick<Suite, 'pods' | 'services' | 'externals'>, workload: { kind: 'pod'; namespace: string; name: string } | { kind: 'external'; name: string }, serve: ServePort): string[] {
  if (workload.kind === 'external') {
    const ext = suite.externals.find((e) => e.name === workload.name);
    return ext?.hostnames?.length ? [...ext.hostnames] : [`${workload.name}.external.flowproof.test`];
  }
  const names = [podServerName(workload.namespace, workload.name)];
  const pod = suite.pods.find((p) => p.namespace === workload.namespace && p.name === workload.name);
  for (const svc of suite.services) {
    if (svc.namespace !== workload.namespace || !pod || !selects(svc.selector, pod.labels)) continue;
    const targets = svc.ports.some((p) => {
      const target = p.targetPort ?? p.port;
      return typeof target === 'number' ? target === serve.port : target === serve.name;
    });
    if (targets) names.push(svc.name, `${svc.name}.${svc.namespace}`, `${svc.name}.${svc.namespace}.svc`, serviceServerName(svc.namespace, svc.name));
  }
  return names;
}

/** The name a flow's TLS handshake is verified for. */
export function flowServerName(suite: Pick<Suite, 'externals'>, r: ResolvedFlow): string {
  const d = r.destination;
  if (d.kind === 'service') return serviceServerName(d.namespace ?? '', d.name ?? '');
  if (d.kind === 'external') return externalServerName(suite, d.name ?? d.ref.replace(/^ext:/, ''));
  if (d.kind === 'pod') return podServerName(d.namespace ?? '', d.name ?? '');
  return d.ip ?? d.ref;
}

/**
 * The TLS facts of a resolved flow: the name its handshake is verified for, and whether the
 * port that receives it is served with TLS (`tls: true`). Undefined for a receiver the suite
 * does not serve (an ip: target, a probe-only pod).
 */
export function flowTlsTarget(suite: Pick<Suite, 'pods' | 'externals'>, r: ResolvedFlow): { serverName: string; served: boolean } | undefined {
  const receiver = r.backend ?? r.destination;
  const serve =
    receiver.kind === 'pod'
      ? suite.pods.find((p) => p.namespace === receiver.namespace && p.name === receiver.name)?.serve
      : receiver.kind === 'external'
        ? suite.externals.find((e) => e.name === (receiver.name ?? receiver.ref.replace(/^ext:/, '')))?.serve
        : undefined;
  const port = serve?.find((s) => s.port === r.backendPort && s.protocol === r.flow.protocol);
  if (!port && !r.flow.tls) return undefined;
  return { serverName: flowServerName(suite, r), served: !!port?.tls };
}
