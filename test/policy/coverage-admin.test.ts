// coverage counts admin rules (issue 16): an admin rule item is exercised by the flows whose
// direction it decides (or passes on), not by flows an earlier rule decided; a NetworkPolicy
// item is not exercised by a flow an admin rule decided before NetworkPolicy was consulted.
import { expect } from 'chai';
import * as coverageCommand from '../../lib/commands/coverage.ts';
import { normalizeAdminPolicy, type AdminPolicyDocument } from '../../lib/policy/admin.ts';
import { coverage, type CoverageFlow } from '../../lib/policy/coverage.ts';
import type { PolicyWorld, WorldPod } from '../../lib/policy/world.ts';
import type { NetworkPolicy } from '../../lib/types.ts';
import { runCommand } from './run-command.ts';

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string> = {}): WorldPod => ({ namespace, name, ip, labels, ports: [{ port: 80, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }] });
const web = pod('a', 'web', '10.244.0.10', { app: 'web' });
const client = pod('a', 'client', '10.244.0.11');
const other = pod('b', 'other', '10.244.1.10');
const world: PolicyWorld = {
  namespaces: [
    { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a', tenant: 'a' } },
    { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b', tenant: 'b' } },
  ],
  pods: [web, client, other],
};
const anp = normalizeAdminPolicy({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'guard' },
  spec: {
    priority: 10,
    subject: { namespaces: { matchLabels: { tenant: 'a' } } },
    ingress: [
      { action: 'Deny', from: [{ namespaces: { matchLabels: { tenant: 'b' } } }] },
      { action: 'Allow', from: [{ namespaces: { matchLabels: { tenant: 'b' } } }], ports: [{ portNumber: { port: 9090 } }] },
      { action: 'Pass', from: [{ namespaces: { matchLabels: { tenant: 'a' } } }] },
    ],
  },
} as AdminPolicyDocument);
const idle = normalizeAdminPolicy({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name: 'nobody' },
  spec: { tier: 'Baseline', priority: 1, subject: { namespaces: { matchLabels: { tenant: 'z' } } }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] },
} as AdminPolicyDocument);
const np: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'web', namespace: 'a' },
  spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] },
};
const flow = (name: string, src: WorldPod, dst: WorldPod, port: number): CoverageFlow => ({ name, src: { kind: 'pod', pod: src }, dst: { kind: 'pod', pod: dst }, port, protocol: 'TCP' });

describe('coverage of admin rules', () => {
  const report = coverage([np], world, [flow('b to web', other, web, 80), flow('b scrapes web', other, web, 9090), flow('client to web', client, web, 80)], [anp, idle]);
  const item = (rule: string) => report.items.filter((i) => i.rule === rule);

  it('each admin rule is listed by its label, item by item, with its tier', () => {
    expect(item('anp/guard ingress[0] (priority 10, Deny)')).to.deep.equal([
      {
        policy: 'anp/guard',
        rule: 'anp/guard ingress[0] (priority 10, Deny)',
        tier: 'admin',
        peer: 'from[0] (namespaces tenant=b)',
        port: 'any port',
        ref: { direction: 'ingress', rule: 0, peer: 0 },
        flows: ['b to web', 'b scrapes web'],
        // Allowed, from a namespace just outside the Deny: the Deny would flip it.
        boundaryFlows: ['client to web'],
        covered: true,
      },
    ]);
  });

  it('a rule an earlier rule shadows for every flow is not exercised; a Pass is, by the flows it passes on', () => {
    expect(item('anp/guard ingress[1] (priority 10, Allow)')[0]!.flows).to.deep.equal([]);
    expect(report.uncoveredItems.map((i) => i.rule)).to.include('anp/guard ingress[1] (priority 10, Allow)');
    expect(item('anp/guard ingress[1] (priority 10, Allow)')[0]!.covered).to.equal(false);
    expect(item('anp/guard ingress[2] (priority 10, Pass)')[0]!.flows).to.deep.equal(['client to web']);
  });

  it('a NetworkPolicy item is exercised only by flows NetworkPolicy decides (not the ones the ANP denied first)', () => {
    expect(item('a/web ingress[0]')[0]!.flows).to.deep.equal(['client to web']);
  });

  it('an admin policy whose subject selects no pod is idle, and its rules are unexercised', () => {
    expect(report.idlePolicies).to.deep.equal(['cnp/nobody']);
    const [nobody] = item('cnp/nobody ingress[0] (Baseline tier, priority 1, Deny)');
    expect(nobody!.tier).to.equal('baseline');
    expect(nobody!.flows).to.deep.equal([]);
  });

  it('without admin policies nothing changes for NetworkPolicy items', () => {
    const plain = coverage([np], world, [flow('b to web', other, web, 80)]);
    expect(plain.items.map((i) => [i.rule, i.flows])).to.deep.equal([['a/web ingress[0]', ['b to web']]]);
    expect(plain.items.some((i) => 'tier' in i)).to.equal(false);
  });
});

describe('coverage command with admin policies', () => {
  const suite = 'test/fixtures/lint/guardrails.suite.yaml';

  it('the table names the admin rules with their labels and the flows they decide, and the ones no flow exercises', async () => {
    const table = await runCommand(coverageCommand, ['coverage', suite]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/^suite guardrails: 8\/10 rule items exercised \(admin rules: 6\/7\); 0\/10 covered \(exercised and boundary probed\): 0%$/m);
    expect(table.stdout).to.contain('✓ exercised, ✗ no boundary flow: anp/tenant-a-guardrails ingress[2] (priority 10, Deny) from[0] (namespaces tenant) any port: "tenant-b web cannot reach tenant-a\'s database"');
    expect(table.stdout).to.contain('✗ not exercised, ✗ no boundary flow: anp/tenant-b-guardrails ingress[0] (priority 11, Allow) from[0] (namespaces role=monitoring) port 9090/TCP: no flow');
    expect(table.stdout).to.contain('✓ exercised, ✗ no boundary flow: banp/default ingress[0] (Deny) from[0] (namespaces {} (all)) any port: "tenant-b db cannot reach tenant-b web"');
  });

  it('--json: admin items carry policy, label and tier; a Pass is credited with the flows it passes on', async () => {
    const json = await runCommand(coverageCommand, ['coverage', suite, '--json']);
    const report = JSON.parse(json.stdout) as { items: Array<{ policy: string; rule: string; tier?: string; flows: string[]; location: { file: string; line: number } }> };
    const pass = report.items.find((i) => i.rule === 'anp/tenant-b-guardrails ingress[1] (priority 11, Pass)')!;
    expect(pass).to.include({ policy: 'anp/tenant-b-guardrails', tier: 'admin' });
    expect(pass.flows).to.deep.equal(['tenant-b web reaches its database', 'tenant-b db cannot reach tenant-b web']);
    expect(report.items.filter((i) => i.flows.length === 0).map((i) => i.rule)).to.deep.equal(['tenant-a/web-from-tenant ingress[0]', 'anp/tenant-b-guardrails ingress[0] (priority 11, Allow)']);
    // Each item where it was written: an admin rule's peer in the multi-document policy file.
    expect(pass.location).to.deep.equal({ file: 'test/fixtures/lint/guardrails-admin.yaml', line: 53, col: 11 });
    expect(report.items.find((i) => i.policy === 'banp/default')).to.include({ tier: 'baseline' });
  });
});
