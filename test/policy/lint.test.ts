// lint finds the mistakes of seed 004 (VirtRigaud provider policies), at the right lines;
// the split-peer rule flags the two-item from/to list only when something signals the AND
// was meant, never the OR form the Kubernetes docs teach; errors are only certain mistakes.
import { expect } from 'chai';
import * as lintCommand from '../../lib/commands/lint.ts';
import { lintSuite } from '../../lib/plan/lint.ts';
import { lintFiles, parsePolicyText, lintPolicies, type Finding } from '../../lib/policy/lint/index.ts';
import type { PolicyWorld } from '../../lib/policy/world.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { runCommand } from './run-command.ts';

const dir = 'test/fixtures/policy';
const lintDir = 'test/fixtures/lint';
const lint = (file: string): Finding[] => lintFiles([`${dir}/${file}`], { podCIDR: '10.244.0.0/16' });
const lintAt = (path: string): Finding[] => lintFiles([path], { podCIDR: '10.244.0.0/16' });
const lintSuiteFile = async (path: string): Promise<Finding[]> => lintSuite(await loadSuite(path));
const ids = (fs: Finding[]) => fs.map((f) => `${f.ruleId}@${f.location.line}`);
const only = (fs: Finding[], ruleId: string) => fs.filter((f) => f.ruleId === ruleId);

describe('lint on seed 004 policies', () => {
  it('from: [] with no ports allows everything (deny-cross-tenant) and egress lacks DNS', () => {
    const f = lint('seed004-deny-cross-tenant.yaml');
    expect(ids(f)).to.include('allow-all@15');
    // A heuristic (from: [] may be meant), so a warning: valid and well-defined, maybe intended.
    expect(f.find((x) => x.ruleId === 'allow-all')!.severity).to.equal('warning');
    expect(ids(f)).to.include('egress-without-dns@10');
  });

  it('namespaceSelector and podSelector as two items, policy file alone: nothing signals the AND, no finding', () => {
    expect(only(lint('seed004-provider-ingress.yaml'), 'split-peer')).to.deep.equal([]);
  });

  it('the same policy in a suite where the podSelector pods live only in the selected namespaces: split-peer at both items', async () => {
    const f = await lintSuiteFile(`${lintDir}/seed004-provider-ingress.suite.yaml`);
    const split = only(f, 'split-peer');
    expect(ids(split)).to.deep.equal(['split-peer@19', 'split-peer@31']);
    expect(split.map((x) => x.severity)).to.deep.equal(['warning', 'warning']);
    expect(split[0]!.location.file).to.equal(`${dir}/seed004-provider-ingress.yaml`);
    expect(split[0]!.message).to.contain('namespaceSelector name=virtrigaud-system');
    expect(split[0]!.message).to.contain('matches no pod of provider-namespace');
    expect(split[0]!.message).to.contain('virtrigaud-system/manager');
    // The dead OR half is said once, by split-peer, not again as selector-matches-nothing.
    expect(ids(only(f, 'selector-matches-nothing'))).to.not.include.members(['selector-matches-nothing@19', 'selector-matches-nothing@31']);
  });

  it('node-role label on a pod selector, to: [] and a shadowed rule (provider-egress)', () => {
    const f = ids(lint('seed004-provider-egress.yaml'));
    expect(f).to.include('node-label-on-pod@42');
    expect(f).to.include('empty-peer-list@15');
    expect(f).to.include('shadowed-rule@23');
  });

  it('an ipBlock covering the pod CIDR, but not when the pod CIDR is excepted', () => {
    expect(ids(lint('seed004-dynamic-hypervisor-access.yaml'))).to.include('ipblock-covers-pods@21');
    expect(lint('seed004-vsphere-provider.yaml').filter((x) => x.ruleId === 'ipblock-covers-pods')).to.deep.equal([]);
  });

  it('default deny of egress without DNS; unrendered templates are errors', () => {
    expect(ids(lint('seed004-default-deny-all.yaml'))).to.include('egress-without-dns@11');
    expect(lint('seed004-minimal-egress.yaml').filter((x) => x.ruleId === 'egress-without-dns')).to.deep.equal([]);
    const t = lint('seed004-tenant-isolation.yaml').filter((x) => x.severity === 'error').map((x) => x.ruleId);
    expect(t).to.deep.equal(['invalid-name', 'invalid-cidr']);
  });

  it('except outside cidr, empty peer, policyTypes missing, named port no pod declares', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - {}
      ports:
        - port: metrics
  egress:
    - to:
        - ipBlock: {cidr: 10.1.0.0/16, except: [10.2.0.0/24]}
`;
    const world = { namespaces: [{ name: 'x', labels: {} }], pods: [{ namespace: 'x', name: 'a', labels: { pod: 'a' }, ip: '10.244.1.1', ports: [{ name: 'http', port: 80, protocol: 'TCP' as const }] }] };
    const f = lintPolicies(parsePolicyText('p.yaml', text).policies, { world, podCIDR: '10.244.0.0/16' });
    expect(ids(f)).to.include.members(['empty-peer@8', 'named-port-undeclared@10', 'except-outside-cidr@13', 'policy-types-missing@5']);
  });

  it('the command exits 1 on errors and 0 on warnings only', async () => {
    const bad = await runCommand(lintCommand, ['lint', `${dir}/seed004-tenant-isolation.yaml`]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.match(/seed004-tenant-isolation\.yaml:\d+:\d+: error \[invalid-name\]/);
    const warn = await runCommand(lintCommand, ['lint', `${dir}/seed004-deny-cross-tenant.yaml`]);
    expect(warn.code).to.equal(0);
    expect(warn.stdout).to.contain('seed004-deny-cross-tenant.yaml:15:13: warning [allow-all]');
  });
});

describe('lint split-peer: the OR form the Kubernetes docs teach is not a finding', () => {
  it('the kubernetes.io example policy (ipBlock OR namespaceSelector OR podSelector): no split-peer, no error', () => {
    const f = lintAt(`${lintDir}/k8s-docs-networkpolicy.yaml`);
    expect(only(f, 'split-peer')).to.deep.equal([]);
    expect(f.filter((x) => x.severity === 'error')).to.deep.equal([]);
    // What remains is true of the example: it isolates egress and lets no DNS out.
    expect(ids(f)).to.deep.equal(['egress-without-dns@15']);
  });

  it('"Behavior of to and from selectors": neither the one-item AND nor the two-item OR is a finding', () => {
    expect(lintAt(`${lintDir}/k8s-docs-selectors.yaml`)).to.deep.equal([]);
  });

  it('in a suite where role=frontend pods run in the policy namespace and myproject may reach the db: no split-peer', async () => {
    expect(only(await lintSuiteFile(`${lintDir}/docs-or.suite.yaml`), 'split-peer')).to.deep.equal([]);
  });

  it('a suite flow that needs the namespaceSelector item alone (OR) silences the world signal', async () => {
    expect(only(await lintSuiteFile(`${lintDir}/split-peer-or-flow.suite.yaml`), 'split-peer')).to.deep.equal([]);
  });
});

describe('lint split-peer: flagged when the suite signals the AND was meant', () => {
  it('world: the podSelector pods exist only in the namespaces the namespaceSelector picks', async () => {
    const f = only(await lintSuiteFile(`${lintDir}/split-peer-world.suite.yaml`), 'split-peer');
    expect(ids(f)).to.deep.equal(['split-peer@31']);
    expect(f[0]!.severity).to.equal('warning');
    expect(f[0]!.message).to.contain('matches no pod of provider');
    expect(f[0]!.message).to.contain('ops/manager');
    expect(f[0]!.message).to.contain('one peer with both selectors');
  });

  it('flow: a flow expects deny that only the one-peer (AND) form gives, on the docs example', async () => {
    const f = only(await lintSuiteFile(`${lintDir}/docs-and-flow.suite.yaml`), 'split-peer');
    expect(ids(f)).to.deep.equal(['split-peer@26']);
    expect(f[0]!.location.file).to.equal(`${lintDir}/k8s-docs-networkpolicy.yaml`);
    expect(f[0]!.severity).to.equal('warning');
    expect(f[0]!.message).to.contain('"myproject api is refused by db"');
  });

  it('egress too: to: [namespaceSelector item, podSelector item] whose pods live only in the picked namespace', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {matchLabels: {team: data}}
        - podSelector: {matchLabels: {app: db}}
    - to:
        - namespaceSelector: {matchLabels: {team: data}}
        - podSelector: {matchLabels: {app: web}}
`;
    const pod = (namespace: string, name: string, app: string) => ({ namespace, name, labels: { app }, ip: '', ports: [] });
    const world: PolicyWorld = {
      namespaces: [{ name: 'app', labels: { 'kubernetes.io/metadata.name': 'app' } }, { name: 'data', labels: { team: 'data', 'kubernetes.io/metadata.name': 'data' } }],
      pods: [pod('app', 'web', 'web'), pod('data', 'db', 'db'), pod('data', 'web2', 'web')],
    };
    const f = only(lintPolicies(parsePolicyText('p.yaml', text).policies, { world, podCIDR: '10.244.0.0/16' }), 'split-peer');
    // egress[0]: app=db only in data -> AND meant; egress[1]: app=web runs in app too -> the OR, no finding.
    expect(ids(f)).to.deep.equal(['split-peer@10']);
    expect(f[0]!.message).to.match(/^egress\[0\]: to\[0\] \(namespaceSelector team=data\) and to\[1\] \(podSelector app=db\)/);
  });

  it('suites/virtrigaud.yaml: the impersonation flow expects the AND of provider-ingress ingress[0]', async () => {
    const f = only(await lintSuiteFile('suites/virtrigaud.yaml'), 'split-peer');
    expect(f.map((x) => `${x.policy} ${x.message.split(':')[0]}`)).to.deep.equal(['provider-namespace/provider-ingress ingress[0]']);
    expect(f[0]!.message).to.contain('"pod impersonating the manager label in the provider namespace is refused"');
  });
});

describe('lint severities: error only for what is certainly wrong', () => {
  it('the docs\' allow-all idiom (a rule {}) is info, not a warning', () => {
    const f = lintAt(`${lintDir}/k8s-docs-default-policies.yaml`);
    expect(f.map((x) => `${x.ruleId}:${x.severity}`)).to.deep.equal(['allow-all:info', 'allow-all:info']);
  });

  it('what the API server rejects, and rules policyTypes makes dead, stay errors', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - {}
        - ipBlock: {cidr: 10.1.0.0/16}
          podSelector: {}
  egress:
    - to:
        - ipBlock: {cidr: 10.1.0.0/16, except: [10.2.0.0/24]}
      ports:
        - {port: 80, endPort: 79}
`;
    const f = lintPolicies(parsePolicyText('p.yaml', text).policies, { podCIDR: '10.244.0.0/16' });
    expect(f.filter((x) => x.severity === 'error').map((x) => x.ruleId).sort()).to.deep.equal(['empty-peer', 'except-outside-cidr', 'invalid-endport', 'ipblock-with-selector', 'rules-ignored']);
  });
});
