// Services as kube-proxy programs them: ClusterIP:port -> one of the ready backends'
// IP:targetPort (named targetPorts resolved per backend pod), chosen at random per
// connection. Pure: the DNAT plan and its nft text. The table lives in every pod and
// external-facing namespace's nat output hook (priority -100), before the policy filter.
import type { ClusterState } from '../../provider.ts';
import { stateFamilies, stateFor } from '../../suite/families.ts';
import { serviceBackends } from '../../suite/targets.ts';
import type { IPFamily, Protocol, Suite } from '../../types.ts';

export const natTable = 'flowproof_nat';

export interface ServiceDnat {
  /** "<ns>/<svc> <port>/<protocol>" */
  label: string;
  clusterIP: string;
  port: number;
  protocol: Protocol;
  backends: Array<{ pod: string; ip: string; port: number }>;
  /** The ClusterIP's family (a dual-stack Service has one entry per family); absent = IPv4. */
  family?: IPFamily;
}

/** Every Service port of every family the state has: the IPv6 ClusterIP DNATs to the backends' IPv6 addresses. */
export function planServiceDnat(suite: Pick<Suite, 'pods' | 'services' | 'externals'>, state: ClusterState): ServiceDnat[] {
  const families = stateFamilies(state);
  if (families.length === 1 && families[0] === 'IPv4') return planFamilyDnat(suite, state);
  return families.flatMap((family) => planFamilyDnat(suite, stateFor(state, family)!).map((d) => ({ ...d, family })));
}

function planFamilyDnat(suite: Pick<Suite, 'pods' | 'services' | 'externals'>, state: ClusterState): ServiceDnat[] {
  const out: ServiceDnat[] = [];
  for (const svc of suite.services) {
    const clusterIP = state.serviceIPs.get(`${svc.namespace}/${svc.name}`) ?? (state.family === 'IPv6' ? undefined : svc.clusterIP);
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

/** nft's words for one family: the table family and address match ("ip"/"ip6"). */
function nftFamily(d: ServiceDnat): 'ip' | 'ip6' {
  return d.family === 'IPv6' ? 'ip6' : 'ip';
}

function dnatLine(d: ServiceDnat): string {
  const fam = nftFamily(d);
  const match = `${fam} daddr ${d.clusterIP} ${d.protocol.toLowerCase()} dport ${d.port}`;
  const comment = `comment "svc ${d.label}"`;
  if (d.backends.length === 0) {
    // No endpoints: kube-proxy rejects; the filter table does that (nat chains cannot).
    return '';
  }
  if (d.backends.length === 1) {
    const b = d.backends[0];
    // An IPv6 address takes brackets before its port.
    return `${match} counter dnat ${fam} to ${fam === 'ip6' ? `[${b.ip}]` : b.ip}:${b.port} ${comment}`;
  }
  const map = d.backends.map((b, i) => `${i} : ${b.ip} . ${b.port}`).join(', ');
  return `${match} counter dnat ${fam} to numgen random mod ${d.backends.length} map { ${map} } ${comment}`;
}

/** One family's nat table (`table ip` or `table ip6`, same name): atomic replace like the policy. */
function natTableScript(fam: 'ip' | 'ip6', dnat: ServiceDnat[]): string[] {
  const noEndpoints = dnat.filter((d) => d.backends.length === 0);
  const lines = [
    `table ${fam} ${natTable}`,
    `flush table ${fam} ${natTable}`,
    `table ${fam} ${natTable} {`,
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...dnat.map(dnatLine).filter(Boolean).map((l) => `    ${l}`),
    '  }',
  ];
  if (noEndpoints.length > 0) {
    // A Service without ready endpoints answers with ICMP port unreachable, as kube-proxy does.
    lines.push('  chain reject_no_endpoints {', '    type filter hook output priority -110; policy accept;');
    for (const d of noEndpoints) {
      lines.push(`    ${fam} daddr ${d.clusterIP} ${d.protocol.toLowerCase()} dport ${d.port} counter reject comment "svc ${d.label} has no endpoints"`);
    }
    lines.push('  }');
  }
  lines.push('}');
  return lines;
}

/**
 * The nat tables for a namespace (the same in every pod): IPv4 Services in `table ip`, the
 * IPv6 ClusterIPs of a suite with IPv6 in `table ip6`.
 */
export function natScript(dnat: ServiceDnat[]): string {
  const v4 = dnat.filter((d) => nftFamily(d) === 'ip');
  const v6 = dnat.filter((d) => nftFamily(d) === 'ip6');
  const lines = [...(v4.length > 0 || v6.length === 0 ? natTableScript('ip', v4) : []), ...(v6.length > 0 ? natTableScript('ip6', v6) : [])];
  return `${lines.join('\n')}\n`;
}
