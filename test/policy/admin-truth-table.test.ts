// The network-policy-api conformance scenarios (ANP/BANP v1alpha1 at v0.1.7, CNP v1alpha2 at
// main 0eec1b0) as truth tables for the model: for every step of every encoded upstream test,
// each connection the Go test asserts with PokeServer is predicted by predict() with the
// admin policies and NetworkPolicies in force at that step, and must get the asserted verdict.
// SCTP cells are predicted like the others. Fixture: test/fixtures/policy/conformance-admin.ts.
import { expect } from 'chai';
import { predict } from '../../lib/policy/predict.ts';
import { conformancePod, conformanceSteps, connectionText, leftOut } from '../fixtures/policy/conformance-admin.ts';

describe('admin policy truth tables (network-policy-api conformance)', () => {
  it('encodes every conformance test of both refs but the node-peer ones, with their assertions', () => {
    const tests = (ref: string) => new Set(conformanceSteps.filter((s) => s.ref === ref).map((s) => s.test));
    expect(tests('v0.1.7').size).to.equal(22);
    expect(tests('main@0eec1b0').size).to.equal(22);
    for (const s of conformanceSteps) expect(s.connections.length, s.name).to.be.greaterThan(0);
    const connections = conformanceSteps.flatMap((s) => s.connections);
    expect(connections.length).to.equal(572);
    expect(connections.filter((c) => c.protocol === 'SCTP').length).to.equal(172);
    expect(leftOut.map((l) => l.test)).to.deep.equal([
      'AdminNetworkPolicyEgressNodePeers',
      'BaselineAdminNetworkPolicyEgressNodePeers',
      'CNPAdminTierEgressNodePeers',
      'CNPBaselineTierEgressNodePeers',
    ]);
  });

  it('every admin document normalizes to the tier its kind (and CNP tier) says', () => {
    for (const s of conformanceSteps) {
      for (const { document, policy } of s.adminInForce) {
        const tier = document.kind === 'BaselineAdminNetworkPolicy' || document.spec.tier === 'Baseline' ? 'baseline' : 'admin';
        expect(policy.tier, `${s.name}: ${policy.id}`).to.equal(tier);
      }
    }
  });

  for (const step of conformanceSteps) {
    it(step.name, () => {
      const wrong: string[] = [];
      for (const c of step.connections) {
        const got = predict(step.networkPolicies, step.world, { src: { kind: 'pod', pod: conformancePod(c.from) }, dst: { kind: 'pod', pod: conformancePod(c.to) }, port: c.port, protocol: c.protocol }, step.admin);
        if (got.verdict !== c.expect) wrong.push(`${connectionText(c)}: upstream asserts ${c.expect}, predict() says ${got.verdict} (${got.explanation})`);
        expect(got.ambiguity, `${connectionText(c)}: ${got.ambiguity}`).to.equal(undefined);
      }
      const context = step.changes.length ? `\nchanged before these pokes: ${step.changes.join('; ')}` : '';
      expect(wrong, `${wrong.join('\n')}${context}`).to.deep.equal([]);
    });
  }
});
