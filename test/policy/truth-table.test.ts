// Every cell of every truth-table case: 9 sources × 9 targets × {80,81} × {TCP,UDP}.
import { expect } from 'chai';
import { predict, type PolicyEndpoint } from '../../lib/policy/index.ts';
import { expectedAllowed, netpolCases, parseReachability, portProtocols3x3, world3x3 } from '../fixtures/policy/cases.ts';

const endpoint = (key: string): PolicyEndpoint => ({ kind: 'pod', pod: world3x3.pods.find((p) => `${p.namespace}/${p.name}` === key)! });

describe('policy model truth tables (upstream e2e + cyclonus shapes)', () => {
  it('has at least 40 cases, each with well-formed matrices', () => {
    expect(netpolCases.length).to.be.at.least(40);
    for (const c of netpolCases) {
      for (const m of Object.values(c.reachability)) expect(parseReachability(m!).size).to.equal(81);
    }
  });

  for (const c of netpolCases) {
    it(c.name, () => {
      const wrong: string[] = [];
      let cells = 0;
      for (const { port, protocol, key } of portProtocols3x3) {
        for (const src of world3x3.pods) {
          for (const dst of world3x3.pods) {
            const from = `${src.namespace}/${src.name}`;
            const to = `${dst.namespace}/${dst.name}`;
            const want = expectedAllowed(c, from, to, key);
            const got = predict(c.policies, world3x3, { src: endpoint(from), dst: endpoint(to), port, protocol });
            cells++;
            if ((got.verdict === 'allow') !== want) wrong.push(`${key} ${from} -> ${to}: want ${want ? 'allow' : 'deny'}, got ${got.verdict} (${got.explanation})`);
          }
        }
      }
      expect(cells).to.equal(324);
      expect(wrong, wrong.slice(0, 5).join('\n')).to.deep.equal([]);
    });
  }
});
