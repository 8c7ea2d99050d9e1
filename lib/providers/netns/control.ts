// The liveness control: the same probe, run from inside the target's own namespace
// against 127.0.0.1 (::1 for an IPv6 target: the server must serve that family), which the
// policy table always lets through (loopback). An answer
// proves the server itself serves, so a deny seen from elsewhere is the policy's doing.
import { runProbe } from '../../probes/index.ts';
import type { Attempt, ProbeKind, Protocol, ResolvedEndpoint } from '../../types.ts';
import { execInNetns } from './exec.ts';

export async function probeFromInside(
  ns: string | undefined,
  target: ResolvedEndpoint,
  port: number,
  protocol: Protocol,
  probe: ProbeKind,
  timeoutMs: number,
): Promise<Attempt> {
  if (!ns) {
    const detail = `no network namespace for ${target.ref}: the netns provider can only check its own pods and externals`;
    return { outcome: 'PROBE-ERROR', detail, transcript: `# not run: ${detail}`, durationMs: 0, startedAt: new Date().toISOString() };
  }
  const v6 = target.ip.includes(':');
  return runProbe((req) => execInNetns(ns, req), probe, { host: v6 ? '::1' : '127.0.0.1', port, protocol, ...(v6 ? { family: 'IPv6' as const } : {}) }, timeoutMs);
}
