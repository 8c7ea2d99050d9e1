// lint finds the mistakes of seed 004 (VirtRigaud provider policies), at the right lines.
import { expect } from 'chai';
import * as lintCommand from '../../lib/commands/lint.ts';
import { lintFiles, parsePolicyText, lintPolicies, type Finding } from '../../lib/policy/lint/index.ts';
import { runCommand } from './run-command.ts';

const dir = 'test/fixtures/policy';
const lint = (file: string): Finding[] => lintFiles([`${dir}/${file}`], { podCIDR: '10.244.0.0/16' });
const ids = (fs: Finding[]) => fs.map((f) => `${f.ruleId}@${f.location.line}`);

describe('lint on seed 004 policies', () => {
  it('from: [] with no ports allows everything (deny-cross-tenant) and egress lacks DNS', () => {
    const f = lint('seed004-deny-cross-tenant.yaml');
    expect(ids(f)).to.include('allow-all@15');
    expect(f.find((x) => x.ruleId === 'allow-all')!.severity).to.equal('error');
    expect(ids(f)).to.include('egress-without-dns@10');
  });

  it('namespaceSelector and podSelector written as two peers (provider-ingress)', () => {
    const f = lint('seed004-provider-ingress.yaml').filter((x) => x.ruleId === 'split-peer');
    expect(ids(f)).to.deep.equal(['split-peer@19', 'split-peer@31']);
    expect(f[0]!.message).to.contain('namespaceSelector name=virtrigaud-system');
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
    const bad = await runCommand(lintCommand, ['lint', `${dir}/seed004-deny-cross-tenant.yaml`]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.contain('seed004-deny-cross-tenant.yaml:15:13: error [allow-all]');
    const warn = await runCommand(lintCommand, ['lint', `${dir}/seed004-provider-ingress.yaml`]);
    expect(warn.code).to.equal(0);
    expect(warn.stdout).to.contain('warning [split-peer]');
  });
});
