// An SCTP echo server for `serve` entries with protocol SCTP: socat, as the kind and
// kubeconfig providers run it in netshoot. One socat per port; each association gets its
// own child (fork), which echoes what it receives (PIPE).
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

/** `ipv6`: one IPv6 socket that takes both families (ipv6only=0), else IPv4 only. */
export function sctpEchoLaunch(port: number, ipv6 = false): ServerLaunch {
  return {
    what: `sctp echo ${port}/SCTP`,
    tool: 'socat',
    argv: [findTool('socat') ?? 'socat', ipv6 ? `SCTP6-LISTEN:${port},fork,reuseaddr,ipv6only=0` : `SCTP4-LISTEN:${port},fork,reuseaddr`, 'PIPE'],
    ports: [{ port, protocol: 'SCTP' }],
    deadlineMs: 8_000,
  };
}
