// app: http and app: https: any path answers 200. On netns the workload's node app server
// (HTTPS with a certificate the run's CA signed for the port's names, as a `tls: true` port
// gets: `curl --cacert` verifies it, `curl -k` still works; app: http with `tls: true` is HTTPS
// too; tlsOnly: false answers plain HTTP on the same port as well, told apart by the first
// byte); on a cluster agnhost netexec (HTTPS with the namespace's TLS Secret). curl, the
// probe, runs in netshoot.
import { defineApp } from './types.ts';

/** The Secret holding the certificate of app: https in each namespace that serves it. */
export const tlsSecretName = 'flowproof-tls';

export const httpApp = defineApp({
  summary: 'answers HTTP',
  probe: 'http',
  image: 'agnhost',
  netns: { tools: {}, appServer: { tls: false }, tls: { tools: {} } },
  kind: {
    container: (g) => ({ container: { args: ['netexec', `--http-port=${g.port}`, '--udp-port=-1'] } }),
  },
});

export const httpsApp = defineApp({
  summary: 'answers HTTPS (a self-signed certificate)',
  probe: 'https',
  image: 'agnhost',
  netns: { tools: { openssl: { debianPackage: 'openssl', version: { args: ['version'], pattern: /OpenSSL (\S+)/ } } }, appServer: { tls: true }, tls: { tools: {} } },
  kind: {
    container: (g) => ({
      container: {
        args: ['netexec', `--http-port=${g.port}`, '--udp-port=-1', '--tls-cert-file=/flowproof-tls/tls.crt', '--tls-private-key-file=/flowproof-tls/tls.key'],
        volumeMounts: [{ name: 'flowproof-tls', mountPath: '/flowproof-tls', readOnly: true }],
      },
      volume: { name: 'flowproof-tls', secret: { secretName: tlsSecretName } },
    }),
  },
});
