// Services as kube-proxy programs them: ClusterIP:port -> one of the ready backends'
// IP:targetPort (named targetPorts resolved per backend pod), chosen at random per
// connection. Pure: the DNAT plan and its nft text. The table lives in every pod and
// external-facing namespace's nat output hook (priority -100), before the policy filter.
import type { ClusterState } from '../../provider.ts';
import { serviceBackends } from '../../suite/targets.ts';
import type { Protocol, Suite } from '../../types.ts';

export const natTable = 'flowproof_nat';

export interface ServiceDnat {
  /** "<ns>/<svc> <port>/<protocol>" */
  label: string;
  clusterIP: string;
  port: number;
  protocol: Protocol;
  backends: Array<{ pod: string; ip: string; port: number }>;
}

export function planServiceDnat(suite: Pick<Suite, 'pods' | 'services' | 'externals'>, state: ClusterState): ServiceDnat[] {
  const out: ServiceDnat[] = [];
  for (const svc of suite.services) {
    const clusterIP = state.serviceIPs.get(`${svc.namespace}/${svc.name}`) ?? svc.clusterIP;
    if (!clusterIP) continue;
    const pods = serviceBackends(suite, svc);
    for (const sp of svc.ports) {
      const backends: ServiceDnat['backends'] = [];
      for (const pod of pods) {
        const ip = state.podIPs.get(`${pod.namespace}/${pod.name}`);
        if (!ip) continue;
        // A named targetPort resolves on each pod; pods without it are not endpoints.
        const port = typeof sp.targetPort === 'number' ? sp.targetPort : pod.serve.find((s) => s.name === sp.targetPort && s.protocol === sp.protocol)?.port;
        if (port !== undefined) backends.push({ pod: `${pod.namespace}/${pod.name}`, ip, port });
      }
      out.push({ label: `${svc.namespace}/${svc.name} ${sp.port}/${sp.protocol}`, clusterIP, port: sp.port, protocol: sp.protocol, backends });
    }
  }
  return out;
}

function dnatLine(d: ServiceDnat): string {
  const match = `ip daddr ${d.clusterIP} ${d.protocol.toLowerCase()} dport ${d.port}`;
  const comment = `comment "svc ${d.label}"`;
  if (d.backends.length === 0) {
    // No endpoints: kube-proxy rejects; the filter table does that (nat chains cannot).
    return '';
  }
  if (d.backends.length === 1) {
    const b = d.backends[0];
    return `${match} counter dnat ip to ${b.ip}:${b.port} ${comment}`;
  }
  const map = d.backends.map((b, i) => `${i} : ${b.ip} . ${b.port}`).join(', ');
  return `${match} counter dnat ip to numgen random mod ${d.backends.length} map { ${map} } ${comment}`;
}

/** The nat table for a namespace (the same in every pod): atomic replace like the policy. */
export function natScript(dnat: ServiceDnat[]): string {
  const noEndpoints = dnat.filter((d) => d.backends.length === 0);
  const lines = [
    `table ip ${natTable}`,
    `flush table ip ${natTable}`,
    `table ip ${natTable} {`,
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...dnat.map(dnatLine).filter(Boolean).map((l) => `    ${l}`),
    '  }',
  ];
  if (noEndpoints.length > 0) {
    // A Service without ready endpoints answers with ICMP port unreachable, as kube-proxy does.
    lines.push('  chain reject_no_endpoints {', '    type filter hook output priority -110; policy accept;');
    for (const d of noEndpoints) {
      lines.push(`    ip daddr ${d.clusterIP} ${d.protocol.toLowerCase()} dport ${d.port} counter reject comment "svc ${d.label} has no endpoints"`);
    }
    lines.push('  }');
  }
  lines.push('}', '');
  return lines.join('\n');
}
