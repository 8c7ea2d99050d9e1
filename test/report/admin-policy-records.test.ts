// Cluster-scoped admin policies in the evidence: how they are named, where their copies go,
// and how `verify --policies` compares them with the policies of today.
import { expect } from 'chai';
import { policyCopySegments, policyLabel } from '../../lib/report/policy-ref.ts';
import { compareWithRun } from '../../lib/report/staleness.ts';
import type { CurrentPolicies } from '../../lib/suite/current-policies.ts';
import type { PolicyRecord, RunResult } from '../../lib/types.ts';

const np: PolicyRecord = { name: 'allow-web', namespace: 'tenant-a', file: 'p/a.yaml', sha256: 'a'.repeat(64) };
const anp: PolicyRecord = { name: 'tenant-a-guardrails', namespace: '', kind: 'AdminNetworkPolicy', file: 'p/admin.yaml', sha256: 'b'.repeat(64) };
const banp: PolicyRecord = { name: 'default', namespace: '', kind: 'BaselineAdminNetworkPolicy', file: 'p/admin.yaml', sha256: 'c'.repeat(64) };
const runWith = (policies: PolicyRecord[]) => ({ meta: { policies } }) as unknown as RunResult;

describe('report: admin policy records', () => {
  it('names a NetworkPolicy by namespace and an admin policy by kind prefix', () => {
    expect(policyLabel(np)).to.equal('tenant-a/allow-web');
    expect(policyLabel(anp)).to.equal('anp/tenant-a-guardrails');
    expect(policyLabel(banp)).to.equal('banp/default');
    expect(policyLabel({ name: 'x', namespace: '', kind: 'ClusterNetworkPolicy' })).to.equal('cnp/x');
  });

  it('copies admin policies under policies/_cluster, which no namespace name can collide with', () => {
    expect(policyCopySegments(np)).to.deep.equal(['tenant-a', 'allow-web']);
    expect(policyCopySegments(anp)).to.deep.equal(['_cluster', 'anp-tenant-a-guardrails']);
  });

  it('verify --policies: an unchanged admin policy is current; a changed or removed one is named by its id', () => {
    const same: CurrentPolicies = { kind: 'directory', policies: [{ ...np, namespace: 'tenant-a' }, { ...anp }, { ...banp }] };
    expect(compareWithRun(runWith([np, anp, banp]), same, 'p/')).to.deep.include({ stale: false, unchanged: 3 });
    const changed: CurrentPolicies = { kind: 'directory', policies: [{ ...np }, { ...anp, sha256: 'd'.repeat(64) }] };
    const s = compareWithRun(runWith([np, anp, banp]), changed, 'p/');
    expect(s.stale).to.equal(true);
    expect(s.changes).to.deep.equal([
      `changed: anp/tenant-a-guardrails (tested sha256 ${'b'.repeat(12)}…, now ${'d'.repeat(12)}… in p/admin.yaml)`,
      'missing: banp/default was tested; p/ holds it no longer',
    ]);
  });

  it('an admin policy never stands in for a NetworkPolicy of the same name', () => {
    const current: CurrentPolicies = { kind: 'file', policies: [{ name: 'allow-web', namespace: '', kind: 'ClusterNetworkPolicy', sha256: np.sha256, file: 'p/c.yaml' }] };
    const s = compareWithRun(runWith([np]), current, 'p/c.yaml');
    expect(s.changes).to.deep.equal(['missing: tenant-a/allow-web was tested; p/c.yaml holds it no longer', 'new: cnp/allow-web in p/c.yaml was not tested']);
  });
});
