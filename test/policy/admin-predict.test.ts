// predict() through the tiers of the network-policy-api: admin (ANP, CNP Admin) by priority,
// then NetworkPolicy, then baseline (BANP, CNP Baseline), then allowed.
import { expect } from 'chai';
import { normalizeAdminPolicy, type AdminPolicyDocument, type AdminRuleDoc, type AdminSubjectDoc } from '../../lib/policy/admin.ts';
import { predict } from '../../lib/policy/predict.ts';
import type { PolicyEndpoint, PolicyWorld, WorldPod } from '../../lib/policy/world.ts';
import { decideVerdict } from '../../lib/runner/verdict.ts';
import type { NetworkPolicy } from '../../lib/types.ts';

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>): WorldPod => ({
  namespace,
  name,
  labels,
  ip,
  ports: [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'metrics', port: 9090, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ],
});
const a1 = pod('tenant-a', 'a1', '10.0.1.1', { app: 'web' });
const a2 = pod('tenant-a', 'a2', '10.0.1.2', { app: 'db' });
const b1 = pod('tenant-b', 'b1', '10.0.2.1', { app: 'web' });
const mon = pod('monitoring', 'prom', '10.0.3.1', { app: 'prom' });
const world: PolicyWorld = {
  namespaces: [
    { name: 'tenant-a', labels: { tenant: 'a' } },
    { name: 'tenant-b', labels: { tenant: 'b' } },
    { name: 'monitoring', labels: { role: 'monitoring' } },
  ],
  pods: [a1, a2, b1, mon],
  externals: [{ name: 'api', ips: ['192.0.2.10'], hostnames: ['api.example.com'] }],
};
const P = (p: WorldPod): PolicyEndpoint => ({ kind: 'pod', pod: p });
const ext: PolicyEndpoint = { kind: 'external', ip: '192.0.2.10', name: 'api' };

const tenants: AdminSubjectDoc = { namespaces: { matchExpressions: [{ key: 'tenant', operator: 'Exists' }] } };
function anp(name: string, priority: number, spec: { subject?: AdminSubjectDoc; ingress?: AdminRuleDoc[]; egress?: AdminRuleDoc[] }): AdminPolicyDocument {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec: { priority, subject: spec.subject ?? tenants, ingress: spec.ingress, egress: spec.egress } };
}
function banp(spec: { subject?: AdminSubjectDoc; ingress?: AdminRuleDoc[]; egress?: AdminRuleDoc[] }): AdminPolicyDocument {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: { subject: spec.subject ?? tenants, ingress: spec.ingress, egress: spec.egress } };
}
function cnp(name: string, tier: 'Admin' | 'Baseline', priority: number, spec: { subject?: AdminSubjectDoc; ingress?: AdminRuleDoc[]; egress?: AdminRuleDoc[] }): AdminPolicyDocument {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec: { tier, priority, subject: spec.subject ?? tenants, ingress: spec.ingress, egress: spec.egress } };
}
const denyAllIn = (ns: string): NetworkPolicy => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
const allowFromSameNs = (ns: string): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-same-ns', namespace: ns },
  spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] },
});

function run(docs: AdminPolicyDocument[], nps: NetworkPolicy[], src: PolicyEndpoint, dst: PolicyEndpoint, port = 80, protocol: 'TCP' | 'UDP' = 'TCP') {
  return predict(nps, world, { src, dst, port, protocol }, docs.map(normalizeAdminPolicy));
}

const crossTenantDeny = anp('tenant-isolation', 10, {
  ingress: [
    { name: 'allow-monitoring', action: 'Allow', from: [{ namespaces: { matchLabels: { role: 'monitoring' } } }] },
    { name: 'deny-other-tenants', action: 'Deny', from: [{ namespaces: { matchExpressions: [{ key: 'tenant', operator: 'Exists' }] } }] },
  ],
});

describe('lib/policy predict: admin tiers (network-policy-api)', () => {
  it('an ANP Deny decides before any NetworkPolicy, and names the rule with priority and action', () => {
    const p = run([crossTenantDeny], [], P(b1), P(a1));
    expect(p.verdict).to.equal('deny');
    expect(p.decidedBy).to.equal('anp/tenant-isolation ingress[1] (priority 10, Deny)');
    expect(p.explanation).to.include('"deny-other-tenants"').and.include('from[0] (namespaces tenant)');
    expect(p.ingress.tier).to.equal('admin');
    expect(p.adminPolicies).to.deep.equal(['anp/tenant-isolation']);
  });

  it('an ANP Allow overrides a NetworkPolicy that isolates the target', () => {
    const p = run([crossTenantDeny], [denyAllIn('tenant-a')], P(mon), P(a1));
    expect(p.verdict).to.equal('allow');
    expect(p.decidedBy).to.equal('anp/tenant-isolation ingress[0] (priority 10, Allow)');
  });

  it('the first matching rule of a policy wins, in written order (tenant-a to itself is a tenant too)', () => {
    // a2 -> a1: same tenant, but the Deny rule covers every tenant namespace: denied.
    expect(run([crossTenantDeny], [], P(a2), P(a1)).verdict).to.equal('deny');
  });

  it('Pass skips the rest of the admin tier and hands the packet to NetworkPolicy: "Pass → netpol …"', () => {
    const pass = anp('pass-own-tenant', 5, { ingress: [{ action: 'Pass', from: [{ namespaces: { matchLabels: { tenant: 'a' } } }] }] });
    const p = run([pass, crossTenantDeny], [allowFromSameNs('tenant-a')], P(a2), P(a1));
    expect(p.verdict).to.equal('allow');
    expect(p.decidedBy).to.equal('anp/pass-own-tenant ingress[0] (priority 5, Pass) → netpol tenant-a/allow-same-ns ingress[0]');
    // Pass to a NetworkPolicy that isolates and does not match: denied by isolation, after the Pass.
    const denied = run([pass, crossTenantDeny], [denyAllIn('tenant-a')], P(a2), P(a1));
    expect(denied.verdict).to.equal('deny');
    expect(denied.decidedBy).to.match(/^anp\/pass-own-tenant ingress\[0\] \(priority 5, Pass\) → denied: target tenant-a\/a1 is isolated for ingress by deny-all/);
  });

  it('lower priority numbers go first, whatever the input order', () => {
    const allow = anp('z-allow', 1, { ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] });
    const deny = anp('a-deny', 2, { ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    expect(run([deny, allow], [], P(b1), P(a1)).decidedBy).to.equal('anp/z-allow ingress[0] (priority 1, Allow)');
  });

  it('BANP decides only for pods no NetworkPolicy isolates; a NetworkPolicy overrides it', () => {
    const baseline = banp({ ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    const p = run([baseline], [], P(b1), P(a1));
    expect(p.verdict).to.equal('deny');
    expect(p.decidedBy).to.equal('banp/default ingress[0] (Deny)');
    const np = run([baseline], [allowFromSameNs('tenant-a')], P(a2), P(a1));
    expect(np.verdict).to.equal('allow');
    expect(np.decidedBy).to.equal('tenant-a/allow-same-ns ingress[0]');
  });

  it('an admin Pass with no NetworkPolicy falls through to the BANP', () => {
    const pass = anp('pass-all', 5, { ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] });
    const baseline = banp({ ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    const p = run([pass, baseline], [], P(b1), P(a1));
    expect(p.verdict).to.equal('deny');
    expect(p.decidedBy).to.equal('anp/pass-all ingress[0] (priority 5, Pass) → banp/default ingress[0] (Deny)');
  });

  it('directions are independent: an egress Allow at the source does not override the target ingress', () => {
    const egressAllow = anp('egress-allow', 1, { egress: [{ action: 'Allow', to: [{ namespaces: {} }] }] });
    const p = run([egressAllow, crossTenantDeny], [], P(b1), P(a1));
    expect(p.verdict).to.equal('deny');
    expect(p.decidedBy).to.equal('anp/tenant-isolation ingress[1] (priority 10, Deny)');
    expect(p.egress.allowed).to.equal(true);
    expect(p.egress.allowedBy).to.equal('anp/egress-allow egress[0] (priority 1, Allow)');
  });

  it('an egress Deny is named first: the packet meets it first', () => {
    const egressDeny = anp('egress-deny', 1, { egress: [{ action: 'Deny', to: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } }] }] });
    const p = run([egressDeny, crossTenantDeny], [], P(b1), P(a1));
    expect(p.decidedBy).to.equal('anp/egress-deny egress[0] (priority 1, Deny)');
    // The pods peer is namespaceSelector AND podSelector: a2 (app=db) is not matched.
    expect(run([egressDeny], [], P(b1), P(a2)).verdict).to.equal('allow');
  });

  it('ports: portNumber, portRange, namedPort (resolved on the destination pod)', () => {
    const byPort = (ports: AdminRuleDoc['ports']) => anp('p', 1, { ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports }] });
    expect(run([byPort([{ portNumber: { protocol: 'TCP', port: 80 } }])], [], P(b1), P(a1)).verdict).to.equal('deny');
    expect(run([byPort([{ portNumber: { protocol: 'UDP', port: 80 } }])], [], P(b1), P(a1)).verdict).to.equal('allow');
    expect(run([byPort([{ portRange: { start: 9000, end: 9100 } }])], [], P(b1), P(a1), 9090).verdict).to.equal('deny');
    expect(run([byPort([{ portRange: { start: 9000, end: 9100 } }])], [], P(b1), P(a1), 80).verdict).to.equal('allow');
    expect(run([byPort([{ namedPort: 'metrics' }])], [], P(b1), P(a1), 9090).verdict).to.equal('deny');
    expect(run([byPort([{ namedPort: 'metrics' }])], [], P(b1), P(a1), 80).verdict).to.equal('allow');
  });

  it('networks peers match any address in the CIDR, pods included; nodes peers match no probed end', () => {
    const nets = anp('nets', 1, { egress: [{ action: 'Deny', to: [{ networks: ['10.0.2.0/24'] }] }] });
    expect(run([nets], [], P(a1), P(b1)).verdict).to.equal('deny');
    expect(run([nets], [], P(a1), P(mon)).verdict).to.equal('allow');
    const nodes = anp('nodes', 1, { egress: [{ action: 'Deny', to: [{ nodes: {} }] }] });
    expect(run([nodes], [], P(a1), P(b1)).verdict).to.equal('allow');
  });

  it('domainNames match the hostnames an external declares, and the prediction states that assumption', () => {
    const allowApi = anp('allow-api', 1, { egress: [{ action: 'Allow', to: [{ domainNames: ['*.example.com'] }] }] });
    const denyRest = anp('deny-rest', 2, { egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] });
    const p = run([allowApi, denyRest], [], P(a1), ext, 443);
    expect(p.verdict).to.equal('allow');
    expect(p.decidedBy).to.equal('anp/allow-api egress[0] (priority 1, Allow)');
    expect(p.assumptions?.[0]).to.include('api.example.com resolves to 192.0.2.10');
    expect(p.explanation).to.include('(assuming api.example.com resolves to 192.0.2.10');
    const exact = anp('allow-api', 1, { egress: [{ action: 'Allow', to: [{ domainNames: ['example.com'] }] }] });
    expect(run([exact, denyRest], [], P(a1), ext, 443).verdict).to.equal('deny');
  });

  it('ClusterNetworkPolicy: Admin tier before NetworkPolicy (Accept), Baseline tier after it', () => {
    const accept = cnp('allow-monitoring', 'Admin', 10, { ingress: [{ action: 'Accept', from: [{ namespaces: { matchLabels: { role: 'monitoring' } } }] }] });
    const p = run([accept], [denyAllIn('tenant-a')], P(mon), P(a1));
    expect(p.verdict).to.equal('allow');
    expect(p.decidedBy).to.equal('cnp/allow-monitoring ingress[0] (Admin tier, priority 10, Accept)');
    const base = cnp('baseline-deny', 'Baseline', 10, { ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    expect(run([base], [], P(b1), P(a1)).decidedBy).to.equal('cnp/baseline-deny ingress[0] (Baseline tier, priority 10, Deny)');
    expect(run([base], [allowFromSameNs('tenant-a')], P(a2), P(a1)).verdict).to.equal('allow');
  });

  it('subjects select pods: namespaces, or namespaces AND pods; a pod outside the subject is untouched', () => {
    const onlyWeb = anp('web-only', 1, { subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    expect(run([onlyWeb], [], P(b1), P(a1)).verdict).to.equal('deny');
    const p = run([onlyWeb], [], P(b1), P(a2));
    expect(p.verdict).to.equal('allow');
    expect(p.adminPolicies).to.equal(undefined);
    // Monitoring is not a tenant namespace: the tenant ANP does not select it.
    expect(run([crossTenantDeny], [], P(a1), P(mon)).verdict).to.equal('allow');
  });

  it('same-priority policies that disagree about a packet are reported as ambiguous, never silently picked', () => {
    const deny = anp('deny-b', 10, { ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { tenant: 'b' } } }] }] });
    const allow = anp('allow-all', 10, { ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] });
    const p = run([deny, allow], [], P(b1), P(a1));
    expect(p.ambiguity).to.include('anp/allow-all ingress[0] (priority 10, Allow) and anp/deny-b ingress[0] (priority 10, Deny)');
    expect(p.ambiguity).to.include('the API leaves the choice to the implementation');
    // Where only one of them matches, there is nothing to choose.
    expect(run([deny, allow], [], P(mon), P(a1)).ambiguity).to.equal(undefined);
    // Agreeing in outcome is no ambiguity: Allow and a Pass to a NetworkPolicy that allows.
    const pass = anp('pass-b', 10, { ingress: [{ action: 'Pass', from: [{ namespaces: { matchLabels: { tenant: 'b' } } }] }] });
    expect(run([pass, allow], [], P(b1), P(a1)).ambiguity).to.equal(undefined);
  });

  it('an ambiguous flow is inconclusive in a run whatever the wire shows', () => {
    const attempt = { outcome: 'ALLOWED' as const, transcript: '', durationMs: 1, startedAt: '', detail: 'connected' };
    const v = decideVerdict({ expect: 'allow', predicted: 'allow', decidedBy: 'x', attempts: [attempt], targetProvenUp: true, ambiguity: 'anp/a and anp/b match …' });
    expect(v.verdict).to.equal('error');
    expect(v.finding).to.equal(null);
    expect(v.reason).to.match(/^Inconclusive: anp\/a and anp\/b match/);
  });

  it('an invalid peer fails closed: matches nothing for Allow, everything for Deny', () => {
    const allowBad = anp('allow-bad', 1, { ingress: [{ action: 'Allow', from: [{}] }] });
    expect(run([allowBad], [denyAllIn('tenant-a')], P(b1), P(a1)).verdict).to.equal('deny');
    const denyBad = anp('deny-bad', 1, { ingress: [{ action: 'Deny', from: [{}] }], });
    expect(run([denyBad], [], P(b1), P(a1)).verdict).to.equal('deny');
    // A Pass rule with an invalid peer is "Deny all", not a Pass (upstream's fail-closed text).
    const passBad = anp('pass-bad', 1, { ingress: [{ action: 'Pass', from: [{}], ports: [{ portNumber: { protocol: 'TCP', port: 1 } }] }] });
    const p = run([passBad], [], P(b1), P(a1));
    expect(p.verdict).to.equal('deny');
    expect(p.decidedBy).to.equal('anp/pass-bad ingress[0] (priority 1, Pass) [invalid peer: deny all]');
  });

  it('without admin policies, predictions are exactly what they were', () => {
    const p = run([], [denyAllIn('tenant-a')], P(b1), P(a1));
    expect(p.decidedBy).to.equal('denied: target tenant-a/a1 is isolated for ingress by deny-all and no ingress rule matches');
    expect(p).to.not.have.property('adminPolicies');
    expect(p.ingress).to.not.have.property('tier');
  });
});
