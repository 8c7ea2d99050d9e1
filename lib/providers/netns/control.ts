// Inside a workload, for the runner's liveness control: a command runs in the target's own
// network namespace against 127.0.0.1 (::1 for an IPv6 target: the server must serve that
// family), which the policy table always lets through (loopback). An answer proves the
// server itself serves, so a deny seen from elsewhere is the policy's doing. The probe is
// the runner's (lib/runner/liveness.ts); this provider only says where and what to dial.
import { isIP } from 'node:net';
import type { ExecRequest, ExecResult } from '../../provider.ts';
import type { ResolvedEndpoint } from '../../types.ts';
import { execInNetns } from './exec.ts';

/** Loopback of the target's family. */
export function loopbackOf(target: Pick<ResolvedEndpoint, 'ip'>): string {
  return isIP(target.ip) === 6 ? '::1' : '127.0.0.1';
}

/** Runs `req` in the target's namespace `ns`; without one, an execError that says why. */
export async function execInsideNetns(ns: string | undefined, target: ResolvedEndpoint, req: ExecRequest): Promise<ExecResult> {
  if (!ns) {
    const execError = `no network namespace for ${target.ref}: the netns provider can only run commands inside its own pods and externals`;
    return { exitCode: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, execError };
  }
  return execInNetns(ns, req);
}
