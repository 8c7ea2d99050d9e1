import { expect } from 'chai';
import { observeFlow, type RetryPlan } from '../../lib/runner/observe.ts';
import { LivenessLedger } from '../../lib/runner/liveness.ts';
import { mapPool } from '../../lib/runner/pool.ts';
import type { Attempt, Outcome, ResolvedEndpoint } from '../../lib/types.ts';

const at = (outcome: Outcome): Attempt => ({ outcome, detail: outcome, transcript: '', durationMs: 1, startedAt: '' });
/** A scripted probe: returns the given outcomes in order (a fake, for testing the retry logic). */
function fakeProbe(outcomes: Outcome[]): { probe: () => Promise<Attempt>; calls: () => number } {
  let i = 0;
  return { probe: async () => at(outcomes[Math.min(i++, outcomes.length - 1)] as Outcome), calls: () => i };
}
const plan: RetryPlan = { allowRetries: 3, denyAttempts: 3, backoffMs: 100 };

describe('asymmetric retries', () => {
  it('an expected allow retries with doubling backoff until answered', async () => {
    const sleeps: number[] = [];
    const f = fakeProbe(['DENIED', 'DENIED', 'ALLOWED']);
    const attempts = await observeFlow(f.probe, 'allow', plan, async (ms) => void sleeps.push(ms));
    expect(attempts.map((a) => a.outcome)).to.deep.equal(['DENIED', 'DENIED', 'ALLOWED']);
    expect(sleeps).to.deep.equal([100, 200]);
  });

  it('an expected allow gives up after allowRetries extra attempts', async () => {
    const f = fakeProbe(['DENIED']);
    const attempts = await observeFlow(f.probe, 'allow', plan, async () => {});
    expect(attempts).to.have.length(4);
  });

  it('an expected deny is probed denyAttempts times and stops at the first answer', async () => {
    const quiet = fakeProbe(['DENIED']);
    expect(await observeFlow(quiet.probe, 'deny', plan, async () => {})).to.have.length(3);
    const leaky = fakeProbe(['DENIED', 'ALLOWED', 'DENIED']);
    const attempts = await observeFlow(leaky.probe, 'deny', plan, async () => {});
    expect(attempts.map((a) => a.outcome)).to.deep.equal(['DENIED', 'ALLOWED']);
  });

  it('never retries a missing tool', async () => {
    const f = fakeProbe(['PROBE-ERROR', 'ALLOWED']);
    expect(await observeFlow(f.probe, 'allow', plan, async () => {})).to.have.length(1);
  });
});

describe('liveness ledger', () => {
  const target: ResolvedEndpoint = { kind: 'pod', ref: 'x/a', ip: '10.244.0.2' };
  it('runs each control check once per target port and trusts answered flows', async () => {
    let checks = 0;
    const ledger = new LivenessLedger(async () => (checks++, at('ALLOWED')));
    const [a, b] = await Promise.all([ledger.provenUp(target, 80, 'TCP', 'tcp'), ledger.provenUp(target, 80, 'TCP', 'tcp')]);
    expect(a.up && b.up).to.equal(true);
    expect(checks).to.equal(1);
    ledger.recordAnswer(target, 81, 'UDP');
    expect((await ledger.provenUp(target, 81, 'UDP', 'udp')).up).to.equal(true);
    expect(checks).to.equal(1);
  });
  it('a failed control check means not proven', async () => {
    const ledger = new LivenessLedger(async () => at('REJECTED'));
    expect((await ledger.provenUp(target, 80, 'TCP', 'tcp')).up).to.equal(false);
  });
});

describe('bounded pool', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapPool([5, 1, 4, 2, 3, 0], 2, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).to.deep.equal([50, 10, 40, 20, 30, 0]);
    expect(peak).to.equal(2);
  });
  it('rejects a pool size below one', async () => {
    let err: unknown;
    try {
      await mapPool([1], 0, async (n) => n);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(RangeError);
  });
});
