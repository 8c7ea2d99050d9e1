// The one plan pipeline: a suite and a cluster state in, the policy world, the policies in
// force and every flow resolved and predicted out; `plan`'s planSuite is the same on the
// planner's addresses.
import { expect } from 'chai';
import { predictResolvedFlow } from '../../lib/plan/flows.ts';
import { planSuite, prepare } from '../../lib/plan/prepare.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { loadSuite } from '../../lib/suite/load.ts';

describe('lib/plan prepare', () => {
  it('gives the world, the policies in force with placeholders filled, and every flow resolved and predicted', async () => {
    const s = await loadSuite('test/suite/fixtures/full.yaml');
    const state = planAddresses(s);
    const { world, policies, planned } = prepare(s, state);
    expect(world.pods.map((p) => `${p.namespace}/${p.name}`)).to.have.members(s.pods.map((p) => `${p.namespace}/${p.name}`));
    for (const pod of world.pods) expect(pod.ip).to.equal(state.podIPs.get(`${pod.namespace}/${pod.name}`));
    expect(world.namespaces.find((n) => n.name === 'voice')?.labels).to.include({ 'kubernetes.io/metadata.name': 'voice' });
    expect(policies).to.have.length(s.policies.length);
    expect(policies[0]!.spec.ingress?.[0]!.from?.[0]!.ipBlock?.cidr).to.equal(`${state.podIPs.get('voice/api')}/32`);
    expect(planned.map((p) => p.resolved.flow.name)).to.deep.equal(s.flows.map((f) => f.name));
    // Every prediction is the model's answer for that resolved flow in the returned world.
    for (const p of planned) expect(p.prediction).to.deep.equal(predictResolvedFlow(policies, world, p.resolved));
  });

  it('planSuite is prepare on the planner addresses, with the suite and the state', async () => {
    const s = await loadSuite('test/suite/fixtures/full.yaml');
    const plan = planSuite(s);
    expect(plan.suite).to.equal(s);
    expect(plan.state).to.deep.equal(planAddresses(s));
    const again = prepare(s, planAddresses(s));
    expect(plan.planned).to.deep.equal(again.planned);
    expect(plan.policies).to.deep.equal(again.policies);
    expect(plan.world).to.deep.equal(again.world);
  });
});
