// app: echo (the default): answers TCP, UDP and SCTP by echoing what it receives. On netns
// the workload's node app server echoes TCP and UDP (SCTP: socat, lib/providers/netns), and
// with `tls: true` echoes inside TLS (plaintext too with tlsOnly: false, by the first byte);
// on a cluster socat in netshoot, which is also the toolbox the plain probes run in (over TLS:
// OPENSSL-LISTEN with the port's Secret, lib/apps/socat-tls.ts).
import type { ServerGroup } from '../providers/k8s-common/manifests.ts';
import { socatTlsListen } from './socat-tls.ts';
import { defineApp } from './types.ts';

/** One socat per port and protocol, echoing (PIPE), over TLS on a TLS port's TCP; `wait` keeps the container up. */
export function echoScript(g: Pick<ServerGroup, 'port' | 'protocols' | 'tls'>): string {
  const tcp = g.tls ? socatTlsListen(g.port, g.tls.files) : `TCP-LISTEN:${g.port},fork,reuseaddr`;
  const parts = g.protocols.map((p) => (p === 'TCP' ? `socat ${tcp} PIPE` : p === 'UDP' ? `socat UDP-RECVFROM:${g.port},fork PIPE` : `socat SCTP-LISTEN:${g.port},fork,reuseaddr PIPE`));
  return `${parts.map((p) => `${p} &`).join(' ')} wait`;
}

export const echoApp = defineApp({
  summary: 'answers TCP, UDP and SCTP by echoing what it receives',
  image: 'netshoot',
  clients: {
    role: 'net',
    tools: {
      nc: { debianPackage: 'netcat-openbsd' },
      curl: { debianPackage: 'curl', version: { args: ['--version'], pattern: /curl (\S+)/ } },
      dig: { debianPackage: 'bind9-dnsutils', version: { args: ['-v'], pattern: /DiG (\S+)/ } },
      // The sctp probe; on netns also the SCTP echo server and the kernel SCTP check.
      socat: { debianPackage: 'socat', version: { args: ['-V'], pattern: /socat version (\S+)/ } },
      // The tls probe (s_client and x509) and sip-options over TLS (s_client carries the OPTIONS).
      openssl: { debianPackage: 'openssl', version: { args: ['version'], pattern: /OpenSSL (\S+)/ } },
    },
  },
  netns: { tools: {}, appServer: { tls: false }, tls: { tools: {} } },
  kind: {
    container: (g) => ({ container: { command: ['sh', '-c', echoScript(g)], ...(g.tls ? { volumeMounts: [g.tls.mount] } : {}) } }),
    // tlsOnly: false would need netns' first-byte sniffer: refused on a cluster.
    tls: {},
  },
});
