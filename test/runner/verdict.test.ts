import { expect } from 'chai';
import { decideVerdict, observedOutcome } from '../../lib/runner/verdict.ts';
import { type Attempt, countVerdicts, type Outcome } from '../../lib/types.ts';

const at = (outcome: Outcome, detail = outcome.toLowerCase()): Attempt => ({ outcome, detail, transcript: '', durationMs: 1, startedAt: '2026-11-23T00:00:00Z' });
const base = { predicted: 'deny' as const, decidedBy: 'x/deny-all', targetProvenUp: true };

describe('verdict rules', () => {
  it('a deny is credited only when the target is proven up', () => {
    const up = decideVerdict({ ...base, expect: 'deny', attempts: [at('DENIED')] });
    expect(up).to.include({ verdict: 'pass', observed: 'DENIED' });
    const down = decideVerdict({ ...base, expect: 'deny', attempts: [at('DENIED')], targetProvenUp: false });
    expect(down).to.include({ verdict: 'error', observed: 'TARGET-DOWN' });
    expect(down.reason).to.match(/could not be shown to serve/);
  });

  it('one answer to an expected deny is a violation, whatever the other attempts saw', () => {
    const r = decideVerdict({ ...base, expect: 'deny', attempts: [at('DENIED'), at('ALLOWED'), at('DENIED')] });
    expect(r).to.include({ verdict: 'fail', observed: 'ALLOWED' });
    expect(r.reason).to.match(/attempt 2 of 3/);
  });

  it('REJECTED counts as deny, and fails an expected allow when the target serves', () => {
    expect(decideVerdict({ ...base, expect: 'deny', attempts: [at('REJECTED')] }).verdict).to.equal('pass');
    const r = decideVerdict({ ...base, expect: 'allow', predicted: 'allow', attempts: [at('REJECTED')] });
    expect(r).to.include({ verdict: 'fail', observed: 'REJECTED' });
  });

  it('an expected allow that is not answered while the target is down is inconclusive, not a failure', () => {
    const r = decideVerdict({ ...base, expect: 'allow', attempts: [at('DENIED')], targetProvenUp: false });
    expect(r).to.include({ verdict: 'error', observed: 'TARGET-DOWN' });
  });

  it('names a violation: a declared deny that answered is a leak, a declared allow dropped or refused is blocked', () => {
    const leak = decideVerdict({ ...base, expect: 'deny', attempts: [at('DENIED'), at('ALLOWED')] });
    expect(leak).to.include({ verdict: 'fail', finding: 'leak' });
    expect(leak.reason).to.match(/^Leak: declared deny/);
    for (const outcome of ['DENIED', 'REJECTED'] as const) {
      const blocked = decideVerdict({ ...base, expect: 'allow', predicted: 'allow', attempts: [at(outcome)] });
      expect(blocked, outcome).to.include({ verdict: 'fail', finding: 'blocked' });
      expect(blocked.reason).to.match(/^Blocked: declared allow/);
    }
    expect(decideVerdict({ ...base, expect: 'deny', attempts: [at('DENIED')] }).finding, 'a pass').to.equal(null);
    expect(decideVerdict({ ...base, expect: 'allow', attempts: [at('DENIED')], targetProvenUp: false }).finding, 'inconclusive').to.equal(null);
    expect(decideVerdict({ ...base, expect: 'deny', attempts: [at('PROBE-ERROR')] }).finding).to.equal(null);
  });

  it('probe errors and target-down are errors, never passes', () => {
    for (const expectation of ['allow', 'deny'] as const) {
      expect(decideVerdict({ ...base, expect: expectation, attempts: [at('PROBE-ERROR', 'psql: not found')] })).to.include({ verdict: 'error', observed: 'PROBE-ERROR' });
      expect(decideVerdict({ ...base, expect: expectation, attempts: [at('TARGET-DOWN')] }).verdict).to.equal('error');
    }
    expect(observedOutcome([])).to.equal('PROBE-ERROR');
  });

  it('says when the model disagrees with the declaration even if the wire agrees', () => {
    const r = decideVerdict({ ...base, expect: 'allow', predicted: 'deny', attempts: [at('ALLOWED')] });
    expect(r.verdict).to.equal('pass');
    expect(r.reason).to.match(/model predicts deny \(x\/deny-all\)/);
  });

  it('says a provider or environment fault is suspected when the packets contradict the model for the same policies', () => {
    // The model allows (the declaration agrees), the provider dropped it: not a policy problem.
    const dropped = decideVerdict({ ...base, expect: 'allow', predicted: 'allow', decidedBy: 'shop/web-to-svc ingress[0]', attempts: [at('DENIED')] });
    expect(dropped.verdict).to.equal('fail');
    expect(dropped.reason).to.include('The model predicts allow (shop/web-to-svc ingress[0]) for the same policies; the provider dropped it: provider or environment fault suspected.');
    const rejected = decideVerdict({ ...base, expect: 'allow', predicted: 'allow', attempts: [at('REJECTED')] });
    expect(rejected.reason).to.include('the provider rejected it: provider or environment fault suspected');
    // The model denies, the provider let it through.
    const leaked = decideVerdict({ ...base, expect: 'deny', predicted: 'deny', attempts: [at('ALLOWED')] });
    expect(leaked.reason).to.include('The model predicts deny (x/deny-all) for the same policies; the provider let it through: provider or environment fault suspected.');
    // Agreement between model and packets: no such note, whatever the declaration says.
    for (const r of [
      decideVerdict({ ...base, expect: 'deny', attempts: [at('DENIED')] }),
      decideVerdict({ ...base, expect: 'allow', predicted: 'deny', attempts: [at('DENIED')] }),
      decideVerdict({ ...base, expect: 'allow', predicted: 'allow', attempts: [at('ALLOWED')] }),
    ]) expect(r.reason).to.not.include('fault suspected');
    // Inconclusive observations claim nothing about the provider either.
    expect(decideVerdict({ ...base, expect: 'allow', predicted: 'allow', attempts: [at('DENIED')], targetProvenUp: false }).reason).to.not.include('fault suspected');
  });
});

describe('verdict counts', () => {
  it('counts each recorded verdict once, zero for the absent ones', () => {
    const flows = (['pass', 'fail', 'pass', 'error', 'pass'] as const).map((verdict) => ({ verdict }));
    expect(countVerdicts(flows)).to.deep.equal({ pass: 3, fail: 1, error: 1 });
    expect(countVerdicts([])).to.deep.equal({ pass: 0, fail: 0, error: 0 });
  });
});
