// An SCTP echo server for `serve` entries with protocol SCTP: socat, as the kind and
// kubeconfig providers run it in netshoot. One socat per port; each association gets its
// own child (fork), which echoes what it receives (PIPE).
import { findTool } from '../tools.ts';
import type { ServerLaunch } from './launch.ts';

export function sctpEchoLaunch(port: number): ServerLaunch {
  return {
    what: `sctp echo ${port}/SCTP`,
    tool: 'socat',
    argv: [findTool('socat') ?? 'socat', `SCTP4-LISTEN:${port},fork,reuseaddr`, 'PIPE'],
    ports: [{ port, protocol: 'SCTP' }],
    deadlineMs: 8_000,
  };
}
