// Which served ports are TLS, on every provider: every TCP port with `tls: true` and every
// app: https port (HTTPS always is), each with its tlsOnly and its certificate fixture; and
// whether a run needs its CA at all. netns (providers/netns/tls-plan.ts) and the clusters
// (providers/k8s-common/tls-plan.ts) make one certificate per workload and such port.
import { apps, type NetnsServing } from '../../apps/index.ts';
import type { ServePort, Suite, TlsCertificateFixture } from '../../types.ts';

/** How a port is served over TLS, or undefined for plaintext. */
export interface PortTls {
  /** tlsOnly (absent: true): the plaintext protocol is refused. */
  only: boolean;
  fixture: TlsCertificateFixture;
}

/** Whether the port is served over TLS (`tls: true`, or an app always served so: https), and how. */
export function portTls(s: ServePort): PortTls | undefined {
  if (s.protocol !== 'TCP') return undefined;
  const netns: NetnsServing = apps[s.app].netns;
  const always = 'appServer' in netns && netns.appServer.tls;
  if (!s.tls && !always) return undefined;
  return { only: s.tls ? s.tlsOnly !== false : true, fixture: s.tls ? (s.certificate ?? 'valid') : 'valid' };
}

/** The run needs its CA: a port is served over TLS, or a flow asks for TLS (it verifies against the CA even where nothing serves TLS). */
export function needsRunCa(suite: Pick<Suite, 'pods' | 'externals' | 'flows'>): boolean {
  return [...suite.pods, ...suite.externals].some((w) => w.serve.some((s) => portTls(s) !== undefined)) || suite.flows.some((f) => f.tls !== undefined);
}
