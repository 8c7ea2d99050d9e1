// app: http and app: https: any path answers 200. On netns the workload's node app server
// (HTTPS with a certificate the run's CA signed for the port's names, as a `tls: true` port
// gets: `curl --cacert` verifies it, `curl -k` still works; app: http with `tls: true` is HTTPS
// too; tlsOnly: false answers plain HTTP on the same port as well, told apart by the first
// byte); on a cluster agnhost netexec, HTTPS with the port's Secret (the same certificate of
// the run's CA; tlsOnly: false is refused there: netexec serves one or the other). curl, the
// probe, runs in netshoot.
import type { ServerGroup } from '../providers/k8s-common/manifests.ts';
import { defineApp } from './types.ts';

/** agnhost netexec on the port, over TLS with the port's Secret when it is a TLS port. */
function netexec(g: Pick<ServerGroup, 'port' | 'tls'>) {
  const args = ['netexec', `--http-port=${g.port}`, '--udp-port=-1'];
  if (!g.tls) return { container: { args } };
  return { container: { args: [...args, `--tls-cert-file=${g.tls.files.cert}`, `--tls-private-key-file=${g.tls.files.key}`], volumeMounts: [g.tls.mount] } };
}

export const httpApp = defineApp({
  summary: 'answers HTTP',
  probe: 'http',
  image: 'agnhost',
  netns: { tools: {}, appServer: { tls: false }, tls: { tools: {} } },
  kind: { container: netexec, tls: {} },
});

export const httpsApp = defineApp({
  summary: "answers HTTPS (a certificate of the run's CA for the pod's and its Services' names)",
  probe: 'https',
  image: 'agnhost',
  netns: { tools: { openssl: { debianPackage: 'openssl', version: { args: ['version'], pattern: /OpenSSL (\S+)/ } } }, appServer: { tls: true }, tls: { tools: {} } },
  // Every https TCP port is a TLS port (providers/tls/port-tls.ts), so it always has its Secret.
  kind: { container: netexec, tls: {} },
});
