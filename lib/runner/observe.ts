// Asymmetric retries (DESIGN.md): an expected allow may retry, with backoff, to ride out
// policy-programming delay; an expected deny never retries a success away — it is probed
// `denyAttempts` times and the first answer is a violation.
import type { Attempt, Expectation } from '../types.ts';

export interface RetryPlan {
  /** Extra attempts an expected allow may take after a non-answer. */
  allowRetries: number;
  /** How many times an expected deny is probed (more catches intermittent leaks). */
  denyAttempts: number;
  /** First backoff between allow retries; doubles each time. */
  backoffMs: number;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function observeFlow(probeOnce: () => Promise<Attempt>, expect: Expectation, plan: RetryPlan, sleep: Sleep = realSleep): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  if (expect === 'allow') {
    for (let i = 0; i <= plan.allowRetries; i++) {
      if (i > 0) await sleep(plan.backoffMs * 2 ** (i - 1));
      const a = await probeOnce();
      attempts.push(a);
      // A missing tool does not heal by waiting; an answer needs no second one.
      if (a.outcome === 'ALLOWED' || a.outcome === 'PROBE-ERROR') break;
    }
    return attempts;
  }
  for (let i = 0; i < Math.max(1, plan.denyAttempts); i++) {
    const a = await probeOnce();
    attempts.push(a);
    if (a.outcome === 'ALLOWED' || a.outcome === 'PROBE-ERROR') break;
  }
  return attempts;
}
