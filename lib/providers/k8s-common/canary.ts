// "Is policy programmed yet?" CNIs program NetworkPolicies asynchronously, so before the
// suite's flows are probed a canary flow that a policy denies must be observed as denied.
// The canary first proves it can answer (baseline), so a deny means the policy and not a
// broken canary.
import { InfrastructureError } from '../../errors.ts';
import type { Outcome } from '../../types.ts';
import { realSleep, type Sleep } from './poll.ts';

export interface CanaryOptions {
  attempts: number;
  intervalMs: number;
  sleep?: Sleep;
}

const denied = (o: Outcome) => o === 'DENIED' || o === 'REJECTED';

/** Probes until the canary answers; returns the number of probes it took. */
export async function waitCanaryAnswers(probeOnce: () => Promise<{ outcome: Outcome; detail: string }>, opts: CanaryOptions): Promise<number> {
  const sleep = opts.sleep ?? realSleep;
  let last = '';
  for (let i = 1; i <= opts.attempts; i++) {
    const r = await probeOnce();
    if (r.outcome === 'ALLOWED') return i;
    last = `${r.outcome} (${r.detail})`;
    if (i < opts.attempts) await sleep(opts.intervalMs);
  }
  throw new InfrastructureError('canary baseline', `the canary server never answered before any policy (${opts.attempts} probes; last: ${last})`, 'the cluster network is not working: check the CNI pods');
}

/** Probes until the canary is denied; returns the number of probes it took. */
export async function waitCanaryDenied(probeOnce: () => Promise<{ outcome: Outcome; detail: string }>, opts: CanaryOptions): Promise<number> {
  const sleep = opts.sleep ?? realSleep;
  let last = '';
  for (let i = 1; i <= opts.attempts; i++) {
    const r = await probeOnce();
    if (denied(r.outcome)) return i;
    last = `${r.outcome} (${r.detail})`;
    if (i < opts.attempts) await sleep(opts.intervalMs);
  }
  throw new InfrastructureError(
    'wait for policy programming',
    `a canary flow denied by policy was still not denied after ${opts.attempts} probes (last: ${last})`,
    'the CNI does not enforce NetworkPolicy (is it Calico/Cilium, and are its pods Ready?)',
  );
}
