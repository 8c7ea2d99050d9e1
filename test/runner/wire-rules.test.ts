// The rule the plan names, read back from the provider's per-rule packet counters.
import { expect } from 'chai';
import { confirmRulesOnWire } from '../../lib/runner/wire-rules.ts';
import type { FlowResult } from '../../lib/types.ts';

const flow = (over: Partial<FlowResult>): FlowResult =>
  ({
    name: 'f',
    from: 'a/x',
    to: 'b/y',
    port: 80,
    resolvedPort: 80,
    protocol: 'TCP',
    probe: 'tcp',
    expect: 'deny',
    predicted: 'deny',
    decidedBy: 'anp/t ingress[1] (priority 10, Deny)',
    observed: 'DENIED',
    verdict: 'pass',
    reason: 'Denied as declared.',
    controls: [],
    rules: ['anp/t ingress[1] (priority 10, Deny)'],
    ...over,
  }) as FlowResult;

describe('runner: deciding rules confirmed on the wire', () => {
  it('records the packets each rule on the path counted', () => {
    const [f] = confirmRulesOnWire([flow({})], new Map([['anp/t ingress[1] (priority 10, Deny)', 3]]));
    expect(f!.verdict).to.equal('pass');
    expect(f!.wireCounts).to.deep.equal({ 'anp/t ingress[1] (priority 10, Deny)': 3 });
  });

  it('a pass whose predicted rule met no packet is inconclusive: something else decided', () => {
    const [f] = confirmRulesOnWire([flow({})], new Map([['anp/t ingress[1] (priority 10, Deny)', 0]]));
    expect(f!.verdict).to.equal('error');
    expect(f!.finding).to.equal(null);
    expect(f!.reason).to.match(/^Inconclusive: .*anp\/t ingress\[1\] \(priority 10, Deny\) .*counted no packet/);
  });

  it('both rules of a Pass path must have met packets', () => {
    const rules = ['anp/t ingress[0] (priority 5, Pass)', 'ns/allow ingress[0]'];
    const out = confirmRulesOnWire([flow({ rules, expect: 'allow', predicted: 'allow', observed: 'ALLOWED' })], new Map([[rules[0]!, 2], [rules[1]!, 0]]));
    expect(out[0]!.verdict).to.equal('error');
    expect(out[0]!.reason).to.include('ns/allow ingress[0]');
  });

  it('says nothing where it cannot tell: no counters, unknown labels, failed flows, a wire that disagreed with the plan', () => {
    expect(confirmRulesOnWire([flow({})], undefined)[0]!.verdict).to.equal('pass');
    expect(confirmRulesOnWire([flow({})], new Map([['other', 0]]))[0]).to.not.have.property('wireCounts');
    const failed = confirmRulesOnWire([flow({ verdict: 'fail' })], new Map([['anp/t ingress[1] (priority 10, Deny)', 0]]))[0]!;
    expect(failed.verdict).to.equal('fail');
    // Declared allow, observed allowed, predicted deny: the verdict text already says "provider fault suspected".
    const disagreed = confirmRulesOnWire([flow({ expect: 'allow', observed: 'ALLOWED' })], new Map([['anp/t ingress[1] (priority 10, Deny)', 0]]))[0]!;
    expect(disagreed.verdict).to.equal('pass');
  });
});
