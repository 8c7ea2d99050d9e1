// Flows an admin policy could decide, on a provider that does not enforce that policy (the
// kind provider on Cilium 1.18: no network-policy-api kind at all): recorded as not
// applicable (inconclusive, verdict error, no finding), never probed, never a pass, while
// the suite's other flows are probed as usual. The provider here is a scripted fake.
import { expect } from 'chai';
import type { PlannedPrediction } from '../../lib/plan/flows.ts';
import type { ExecRequest, ExecResult, Provider } from '../../lib/provider.ts';
import { notApplicableReason } from '../../lib/runner/applicability.ts';
import { probeFlows } from '../../lib/runner/probe-flows.ts';
import { countVerdicts, type Expectation, type Flow, type Prediction, type ResolvedEndpoint } from '../../lib/types.ts';

const web: ResolvedEndpoint = { kind: 'pod', ref: 'tenant-b/web', namespace: 'tenant-b', name: 'web', ip: '10.244.0.2' };
const db: ResolvedEndpoint = { kind: 'pod', ref: 'tenant-a/db', namespace: 'tenant-a', name: 'db', ip: '10.244.0.3' };

function planned(name: string, expect: Expectation, port: number, adminPolicies?: string[]): PlannedPrediction {
  const flow: Flow = { name, from: { kind: 'pod', namespace: 'tenant-b', pod: 'web' }, to: { kind: 'pod', namespace: 'tenant-a', pod: 'db' }, fromText: 'tenant-b/web', toText: 'tenant-a/db', port, protocol: 'TCP', probe: 'tcp', expect, controls: [], source: { file: 't.yaml', line: 1 } };
  const prediction: Prediction = {
    verdict: expect,
    decidedBy: adminPolicies ? 'anp/tenant-guard ingress[0] (priority 10, Deny)' : 'tenant-a/db-np ingress[0]',
    explanation: '',
    egress: { direction: 'egress', isolated: false, allowed: true, selectingPolicies: [] },
    ingress: { direction: 'ingress', isolated: true, allowed: expect === 'allow', selectingPolicies: [] },
    ...(adminPolicies ? { adminPolicies } : {}),
  };
  return { resolved: { flow, source: web, destination: db, dialHost: db.ip, dialIP: db.ip, dialPort: port, backend: db, backendPort: port }, prediction };
}

/** Every port answers, as on a CNI that ignores an admin Deny; records what was probed. */
function fakeCiliumProvider(notEnforced: Map<string, string>): Provider & { probed: number[] } {
  const probed: number[] = [];
  const answer = (port: number): ExecResult => ({ exitCode: 0, stdout: '', stderr: `Connection to 10.244.0.3 ${port} port [tcp/*] succeeded!`, timedOut: false, durationMs: 2 });
  return {
    name: 'kind',
    probed,
    up: async () => ({ podIPs: new Map(), serviceIPs: new Map(), externalIPs: new Map() }),
    apply: async () => {},
    exec: async (_from: ResolvedEndpoint, req: ExecRequest) => {
      const port = Number(req.argv[req.argv.length - 1]);
      probed.push(port);
      return answer(port);
    },
    execInside: async (_t: ResolvedEndpoint, req: ExecRequest) => answer(Number(req.argv[req.argv.length - 1])),
    insideAddress: (t: ResolvedEndpoint) => t.ip,
    adminNotEnforced: () => notEnforced,
    fingerprint: async () => ({ provider: 'kind', evidenceClass: 'test-cluster' as const, tools: {} }),
    down: async () => {},
  };
}

const opts = { timeoutMs: 1000, parallel: 4, retry: { allowRetries: 0, denyAttempts: 1, backoffMs: 0 } };
const cilium = new Map([
  ['anp/tenant-guard', 'Cilium 1.18.3 does not implement AdminNetworkPolicy'],
  ['banp/default', 'Cilium 1.18.3 does not implement BaselineAdminNetworkPolicy'],
]);

describe('flows an unenforced admin policy could decide (not applicable)', () => {
  it('on Cilium: inconclusive with the reason, not probed, never a pass; the other flows probed as usual', async () => {
    const provider = fakeCiliumProvider(cilium);
    const flows = [planned('guarded deny', 'deny', 80, ['anp/tenant-guard']), planned('plain allow', 'allow', 81), planned('baseline allow', 'allow', 82, ['banp/default', 'anp/tenant-guard'])];
    const [guarded, plain, baseline] = await probeFlows(provider, flows, opts);
    // The wire would have answered the deny (Cilium ignores the ANP): no leak is claimed, no pass either.
    expect(guarded).to.include({ name: 'guarded deny', verdict: 'error', finding: null });
    expect(guarded!.observed).to.equal(undefined);
    expect(guarded!.attempts).to.equal(undefined);
    expect(guarded!.reason).to.equal(
      'Not applicable on --provider kind: an admin policy selects an end of this flow and is not enforced here as the API defines it (anp/tenant-guard: Cilium 1.18.3 does not implement AdminNetworkPolicy); not probed, since no observation could confirm or refute the declaration. Run it where the policy is enforced (--provider netns, or a CNI that implements it).',
    );
    expect(baseline).to.include({ verdict: 'error' });
    expect(baseline!.reason).to.include('banp/default: Cilium 1.18.3 does not implement BaselineAdminNetworkPolicy; anp/tenant-guard:');
    expect(plain).to.include({ name: 'plain allow', verdict: 'pass', observed: 'ALLOWED' });
    expect(provider.probed).to.deep.equal([81]);
    expect(countVerdicts([guarded!, plain!, baseline!])).to.deep.equal({ pass: 1, fail: 0, error: 2 });
  });

  it('a provider that enforces them (or makes no claim) probes every flow', async () => {
    const provider = fakeCiliumProvider(new Map());
    const [guarded] = await probeFlows(provider, [planned('guarded allow', 'allow', 80, ['anp/tenant-guard'])], opts);
    expect(guarded).to.include({ verdict: 'pass', observed: 'ALLOWED' });
    expect(provider.probed).to.deep.equal([80]);
    expect(notApplicableReason({ adminPolicies: ['anp/other'] }, cilium, 'kind')).to.equal(undefined);
    expect(notApplicableReason({}, cilium, 'kind')).to.equal(undefined);
  });
});
