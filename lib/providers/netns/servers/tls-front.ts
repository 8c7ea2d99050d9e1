// What stands in front of a server for TLS on netns, lent to the apps (lib/apps/types.ts
// NetnsTls): the sniffer (assets/tls-sniff.mjs), one port answering TLS and plaintext by the
// first byte, for tlsOnly: false; and socat's OPENSSL-LISTEN terminating TLS for a server
// that speaks none (sipp). Both forward to the server on 127.0.0.1.
import { libAsset } from '../../../paths.ts';
import type { ServerTlsFiles } from '../../../apps/index.ts';
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

export const tlsSniffScript = libAsset('providers/netns/assets/tls-sniff.mjs');

/** The sniffer on `port` (every address; both families with `ipv6`). */
export function snifferLaunch(label: string, port: number, to: { tls: number; plain: number }, ipv6 = false): ServerLaunch {
  return {
    what: `TLS sniffer ${port}/TCP (TLS to 127.0.0.1:${to.tls}, plaintext to 127.0.0.1:${to.plain})`,
    tool: 'node',
    argv: [process.execPath, tlsSniffScript, label, String(port), String(to.tls), String(to.plain), ...(ipv6 ? ['ipv6'] : [])],
    ports: [{ port, protocol: 'TCP' }],
    deadlineMs: 8_000,
  };
}

/**
 * socat terminating TLS with the port's certificate on `listen.port` (every address, both
 * families with `ipv6`; 127.0.0.1 alone with `loopback`), each connection in its own child
 * (fork), passed in plaintext to 127.0.0.1:`to`. No client certificate is asked (verify=0).
 */
export function terminatorLaunch(listen: { port: number; loopback?: boolean }, files: ServerTlsFiles, to: number, ipv6 = false): ServerLaunch {
  const where = listen.loopback ? 'bind=127.0.0.1' : ipv6 ? 'pf=ip6,ipv6only=0' : 'pf=ip4';
  return {
    what: `TLS terminator ${listen.port}/TCP (socat, to 127.0.0.1:${to})`,
    tool: 'socat',
    argv: [findTool('socat') ?? 'socat', `OPENSSL-LISTEN:${listen.port},${where},cert=${files.cert},key=${files.key},verify=0,fork,reuseaddr`, `TCP:127.0.0.1:${to}`],
    ports: [{ port: listen.port, protocol: 'TCP' }],
    deadlineMs: 8_000,
  };
}
