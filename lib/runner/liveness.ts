// The deny-credit rule: a deny counts only when the target is proven to serve in the same
// run — by an allowed flow to the same target port, or by a control check from inside the
// target. Control checks are memoised per target port so each runs at most once. The
// runner owns the control check: the probe layer builds and reads it, the provider only
// runs the command inside the target (execInside) and says what to dial there.
import { isIP } from 'node:net';
import type { Provider } from '../provider.ts';
import { runProbe, type AgentExec, type ProbeTarget } from '../probes/index.ts';
import type { Attempt, ProbeKind, Protocol, ResolvedEndpoint } from '../types.ts';

export type ControlCheck = (target: ResolvedEndpoint, port: number, protocol: Protocol, probe: ProbeKind, tls?: ProbeTarget['tls']) => Promise<Attempt>;

/**
 * The liveness control: the flow's own probe kind, run inside the target workload against
 * the address the provider gives for that (loopback on netns, the pod's own IP on a
 * cluster), past the target's policy. ALLOWED means the target itself serves.
 */
export function controlCheck(
  provider: Pick<Provider, 'execInside' | 'insideAddress'>,
  target: ResolvedEndpoint,
  port: number,
  protocol: Protocol,
  probe: ProbeKind,
  timeoutMs: number,
  /** Speak TLS to a TLS port, as the flow did (verified for the target's name, dialled at the inside address). */
  tls?: ProbeTarget['tls'],
  /** The probe agent inside the target (Provider.execAgentInside), for the probes it makes (tcp, udp), with its timeout. */
  agent?: { exec: AgentExec; timeoutMs: number },
): Promise<Attempt> {
  const v6 = isIP(target.ip) === 6;
  const host = provider.insideAddress(target);
  return runProbe((req) => provider.execInside(target, req), probe, { host, port, protocol, ...(v6 ? { family: 'IPv6' as const } : {}), ...(tls ? { tls } : {}) }, timeoutMs, agent);
}

/** One target port of one family: an answer over IPv4 proves nothing about the IPv6 listener. */
export function targetKey(target: ResolvedEndpoint, port: number, protocol: Protocol): string {
  return `${target.ref}${target.ip.includes(':') ? ' [IPv6]' : ''}:${port}/${protocol}`;
}

export class LivenessLedger {
  private readonly provenByFlow = new Set<string>();
  private readonly checks = new Map<string, Promise<Attempt>>();

  constructor(private readonly check: ControlCheck) {}

  /** Records that a flow to this target port was answered: the target serves. */
  recordAnswer(target: ResolvedEndpoint, port: number, protocol: Protocol): void {
    this.provenByFlow.add(targetKey(target, port, protocol));
  }

  /** Whether the target serves; runs (once) a control check when no flow has shown it. */
  async provenUp(target: ResolvedEndpoint, port: number, protocol: Protocol, probe: ProbeKind, tls?: ProbeTarget['tls']): Promise<{ up: boolean; control?: Attempt }> {
    const key = targetKey(target, port, protocol);
    if (this.provenByFlow.has(key)) return { up: true };
    let pending = this.checks.get(key);
    if (!pending) {
      pending = this.check(target, port, protocol, probe, tls);
      this.checks.set(key, pending);
    }
    const control = await pending;
    return { up: control.outcome === 'ALLOWED', control };
  }
}
