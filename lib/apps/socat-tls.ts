// TLS from netshoot's socat on a cluster (kind, kubeconfig): OPENSSL-LISTEN with a port's
// certificate and key as the Secret mounts them, no client certificate asked (verify=0), each
// connection in its own child (fork). What app: echo serves over TLS there (socat … PIPE) and
// what stands in front of sipp (socat … TCP:127.0.0.1:<sipp>), as netns' terminator does
// (lib/providers/netns/servers/tls-front.ts). Like the plaintext echo's TCP-LISTEN, it
// listens on IPv4 (socat's default family).
import type { ServerTlsFiles } from './types.ts';

/** The socat address terminating TLS on `port`. */
export function socatTlsListen(port: number, files: Pick<ServerTlsFiles, 'cert' | 'key'>): string {
  return `OPENSSL-LISTEN:${port},cert=${files.cert},key=${files.key},verify=0,fork,reuseaddr`;
}
