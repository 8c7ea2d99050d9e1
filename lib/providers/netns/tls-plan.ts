// Which served ports get a certificate on netns, and what each carries: every TLS port
// (providers/tls/port-tls.ts: `tls: true`, and app: https), for the names lib/plan/tls-names.ts
// gives the workload's port and the workload's own addresses, made as its `certificate` fixture
// says (valid by default). The run's CA exists when one of them does or a flow asks for TLS.
import { apps, type NetnsServing } from '../../apps/index.ts';
import type { ClusterState } from '../../provider.ts';
import { certificateNames } from '../../plan/tls-names.ts';
import { podAddressesIn } from '../../suite/families.ts';
import type { ServePort, Suite } from '../../types.ts';
import { needsRunCa, portTls } from '../tls/port-tls.ts';
import type { CertificateRequest } from '../tls/run-pki.ts';

/** The certificate file id of a workload's port: "3-6379". */
export function certificateId(workloadId: string, port: number): string {
  return `${workloadId}-${port}`;
}

/** One request per workload and TLS port; workload ids as the provider numbers them ("3", "e0"). */
export function certificateRequests(suite: Pick<Suite, 'pods' | 'services' | 'externals'>, state: ClusterState): CertificateRequest[] {
  const out: CertificateRequest[] = [];
  const add = (workloadId: string, serve: ServePort[], names: (s: ServePort) => string[], ips: string[]) => {
    const seen = new Set<number>();
    for (const s of serve) {
      const tls = portTls(s);
      if (!tls || seen.has(s.port)) continue;
      seen.add(s.port);
      out.push({ id: certificateId(workloadId, s.port), names: names(s), ips, fixture: tls.fixture });
    }
  };
  suite.pods.forEach((p, i) => add(String(i), p.serve, (s) => certificateNames(suite, { kind: 'pod', namespace: p.namespace, name: p.name }, s), podAddressesIn(state, `${p.namespace}/${p.name}`)));
  suite.externals.forEach((e, i) => {
    const ips = [state.externalIPs.get(e.name), state.secondary?.externalIPs.get(e.name)].filter((ip): ip is string => !!ip);
    add(`e${i}`, e.serve, (s) => certificateNames(suite, { kind: 'external', name: e.name }, s), ips);
  });
  return out;
}

/** What serving the suite's TLS ports needs: the binaries (openssl for the certificates, each app's own), and the ports no netns server can serve over TLS ("ns/pod 53/TCP (dns)"). */
export function tlsNeeds(suite: Pick<Suite, 'pods' | 'services' | 'externals' | 'flows'>): { tools: string[]; refused: string[] } {
  const tools = new Set<string>(needsRunCa(suite) ? ['openssl'] : []);
  const refused: string[] = [];
  const workloads = [...suite.pods.map((p) => ({ key: `${p.namespace}/${p.name}`, serve: p.serve })), ...suite.externals.map((e) => ({ key: `ext:${e.name}`, serve: e.serve }))];
  for (const w of workloads) {
    for (const s of w.serve) {
      if (!portTls(s)) continue;
      const serving = (apps[s.app].netns as NetnsServing).tls;
      if (!serving) refused.push(`${w.key} ${s.port}/TCP (${s.app})`);
      else for (const t of Object.keys(serving.tools)) tools.add(t);
    }
  }
  return { tools: [...tools], refused };
}
