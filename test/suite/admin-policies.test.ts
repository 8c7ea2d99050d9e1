// Suites accept the network-policy-api's cluster-scoped admin policies (issue 16, item 5):
// AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and
// ClusterNetworkPolicy (v1alpha2), inline in spec.policies and in (multi-document) policy
// files, validated as the API server validates them against the CRDs (OpenAPI + CEL); every
// refusal is exit 2 at file:line:col. Externals may declare hostnames for domainNames peers.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { adminPoliciesInForce, renderAdminPolicy } from '../../lib/plan/policies.ts';
import { planSuite } from '../../lib/plan/prepare.ts';
import { adminPolicyId, type AdminKind } from '../../lib/policy/admin.ts';
import { adminId } from '../../lib/suite/admin-schema.ts';
import { planAddresses } from '../../lib/suite/addresses.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { Suite } from '../../lib/types.ts';

const repo = new URL('../../', import.meta.url).pathname;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-admin-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const v1 = 'policy.networking.k8s.io/v1alpha1';
const v2 = 'policy.networking.k8s.io/v1alpha2';

/** A two-namespace suite; `policies` is the YAML of spec.policies' items (indented by 4). */
const suiteText = (policies: string, externals = '    - {name: api, ip: 192.0.2.10, serve: [{port: 443}]}') => `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: admin}
spec:
  namespaces: {shop: {}, billing: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}, serve: [{port: 80, name: http}]}
    - {name: pay, namespace: billing, labels: {app: pay}, serve: [{port: 80, name: http}]}
  externals:
${externals}
  policies:
${policies}
  flows:
    - {name: web to pay, from: shop/web, to: billing/pay, port: 80, expect: deny}
    - {name: pay to web, from: billing/pay, to: shop/web, port: 80, expect: allow}
    - {name: web to api, from: shop/web, to: ext:api, port: 443, expect: allow}
`;

/** An inline policy as an item of spec.policies; `spec` is the YAML under spec:, indented by 8. */
function inline(kind: AdminKind, spec: string, metadata = `{name: ${kind === 'BaselineAdminNetworkPolicy' ? 'default' : 'p'}}`): string {
  const apiVersion = kind === 'ClusterNetworkPolicy' ? v2 : v1;
  return `    - apiVersion: ${apiVersion}
      kind: ${kind}
      metadata: ${metadata}
      spec:
${spec}`;
}

const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

interface Problem {
  file: string;
  line: number;
  col?: number;
  message: string;
}
async function problems(file = join(dir, 'suite.yaml')): Promise<Problem[]> {
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems.map((p) => ({ file: p.location.file, line: p.location.line, col: p.location.col, message: p.message }));
  }
  throw new Error('the suite loaded without a problem');
}

/** Line and column (1-based) where `needle` is first written in `text` (after `after`, when given). */
function where(text: string, needle: string, after?: string): { line: number; col: number } {
  const from = after === undefined ? 0 : text.indexOf(after);
  const at = text.indexOf(needle, from);
  if (from < 0 || at < 0) throw new Error(`"${needle}" is not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const anpFile = `apiVersion: ${v1}
kind: AdminNetworkPolicy
metadata:
  name: deny-billing
  namespace: shop
spec:
  priority: 10
  subject:
    namespaces: {matchLabels: {kubernetes.io/metadata.name: billing}}
  ingress:
    - name: no-shop
      action: Deny
      from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}]
      ports: [{portNumber: {port: 80}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: shop}
spec:
  podSelector: {}
  ingress: [{}]
---
apiVersion: ${v1}
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
    - action: Deny
      to: [{networks: [0.0.0.0/0]}]
`;

const cnpInline = inline(
  'ClusterNetworkPolicy',
  `        tier: Admin
        priority: 5
        subject: {pods: {podSelector: {matchLabels: {app: web}}}}
        egress:
          - name: api
            action: Accept
            to: [{domainNames: [api.example.com]}]
            protocols: [{tcp: {destinationPort: {number: 443}}}]`,
  '{name: web-to-api, namespace: billing}',
);

describe('admin policies in suites: loading', () => {
  it('a multi-document file and an inline ClusterNetworkPolicy: ids, locations, digests; NetworkPolicies stay apart', async () => {
    const policyFile = write('admin.yaml', anpFile);
    const text = suiteText(`    - {file: admin.yaml, namespace: shop}\n${cnpInline}`, '    - {name: api, ip: 192.0.2.10, hostnames: [api.example.com], serve: [{port: 443}]}');
    const file = write('suite.yaml', text);
    const s = await loadSuite(file);
    expect(s.policies.map((p) => `${p.namespace}/${p.policy.metadata.name}`)).to.deep.equal(['shop/allow-all']);
    const admin = s.adminPolicies ?? [];
    expect(admin.map((a) => a.id)).to.deep.equal(['anp/deny-billing', 'banp/default', 'cnp/web-to-api']);
    expect(admin.map((a) => a.source)).to.deep.equal([
      { file: policyFile, line: 1, col: 1 },
      { file: policyFile, line: where(anpFile, `apiVersion: ${v1}\nkind: Baseline`).line, col: 1 },
      { file, ...where(text, `apiVersion: ${v2}`) },
    ]);
    const docs = anpFile.split('---\n');
    expect(admin[0]!.text).to.equal(docs[0]);
    expect(admin[0]!.sha256).to.equal(sha256(docs[0]!));
    expect(admin[1]!.fileSha256).to.equal(sha256(anpFile));
    expect(admin[2]!.fileSha256).to.equal(undefined);
    expect(admin[2]!.sha256).to.equal(sha256(admin[2]!.text));
    // Cluster-scoped: the namespace of the document and of the file entry are ignored, and left out of what is applied.
    expect(admin[0]!.document.metadata).to.deep.equal({ name: 'deny-billing' });
    expect(admin[2]!.document.metadata).to.deep.equal({ name: 'web-to-api' });
    // The CRD's default: a portNumber's protocol is TCP.
    expect(admin[0]!.document.spec.ingress?.[0]?.ports).to.deep.equal([{ portNumber: { protocol: 'TCP', port: 80 } }]);
    expect(s.externals[0]!.hostnames).to.deep.equal(['api.example.com']);

    // The model sees them through plan: every flow is decided across the tiers.
    const plan = planSuite(s);
    expect(plan.admin.map((a) => a.policy.id)).to.deep.equal(['anp/deny-billing', 'banp/default', 'cnp/web-to-api']);
    // web to pay: the ANP denies; pay to web: the BANP's egress deny of 0.0.0.0/0 (pod addresses too); web to api: the CNP's domainNames (api's hostname).
    expect(plan.planned.map((p) => p.prediction.verdict)).to.deep.equal(['deny', 'deny', 'allow']);
  });

  it('a suite without admin policies has no adminPolicies', async () => {
    const s = await loadSuite('test/suite/fixtures/small.yaml');
    expect(s.adminPolicies).to.equal(undefined);
  });

  it('inline AdminNetworkPolicy and BaselineAdminNetworkPolicy load with the kind\'s id', async () => {
    write(
      'suite.yaml',
      suiteText(
        [
          inline('AdminNetworkPolicy', '        priority: 0\n        subject: {namespaces: {}}\n        egress: [{action: Pass, to: [{pods: {namespaceSelector: {}, podSelector: {}}}]}]', '{name: pass-all}'),
          inline('BaselineAdminNetworkPolicy', '        subject: {pods: {namespaceSelector: {}, podSelector: {}}}\n        ingress: [{action: Allow, from: [{namespaces: {}}]}]'),
        ].join('\n'),
      ),
    );
    const s = await loadSuite(join(dir, 'suite.yaml'));
    expect(s.adminPolicies?.map((a) => a.id)).to.deep.equal(['anp/pass-all', 'banp/default']);
    expect(s.policies).to.deep.equal([]);
  });

  it('the loader\'s ids are the model\'s (lib/policy/admin.ts adminPolicyId)', () => {
    for (const kind of ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'] as const) expect(adminId(kind, 'x')).to.equal(adminPolicyId(kind, 'x'));
  });

  it('nulls as the API server treats a custom resource\'s: a null field is absent (its default applies), a null matchLabels value is dropped', async () => {
    write(
      'suite.yaml',
      suiteText(
        inline(
          'AdminNetworkPolicy',
          `        priority: 3
        subject:
          namespaces: {matchLabels: {team: null}}
          pods:
        ingress:
          - action: Allow
            name:
            from: [{namespaces: {}}]
            ports: [{portNumber: {port: 80, protocol: }}]`,
        ),
      ),
    );
    const [anp] = (await loadSuite(join(dir, 'suite.yaml'))).adminPolicies ?? [];
    expect(anp!.document.spec.subject).to.deep.equal({ namespaces: { matchLabels: {} } });
    expect(anp!.document.spec.ingress?.[0]).to.deep.equal({ action: 'Allow', from: [{ namespaces: {} }], ports: [{ portNumber: { port: 80, protocol: 'TCP' } }] });
  });

  it('status and metadata of `kubectl get -o yaml` are accepted (status is dropped)', async () => {
    write(
      'suite.yaml',
      suiteText(
        inline('AdminNetworkPolicy', '        priority: 3\n        subject: {namespaces: {}}', '{name: p, uid: 1234, resourceVersion: "7", creationTimestamp: null}') +
          '\n      status: {conditions: [{type: Ready, status: "True"}]}',
      ),
    );
    const [anp] = (await loadSuite(join(dir, 'suite.yaml'))).adminPolicies ?? [];
    expect(Object.keys(anp!.document)).to.deep.equal(['apiVersion', 'kind', 'metadata', 'spec']);
  });
});

describe('admin policies in suites: placeholders in networks', () => {
  const withPlaceholder = (networks: string) =>
    inline('AdminNetworkPolicy', `        priority: 1\n        subject: {namespaces: {}}\n        egress:\n          - action: Deny\n            to: [{networks: [${networks}]}]`);

  it('{{podIP ns/pod}} in networks is kept through loading and filled once pods have addresses', async () => {
    write('suite.yaml', suiteText(withPlaceholder('"{{podIP billing/pay}}/32", 198.51.100.0/24')));
    const s = await loadSuite(join(dir, 'suite.yaml'));
    const [loaded] = s.adminPolicies ?? [];
    expect(loaded!.document.spec.egress?.[0]?.to?.[0]?.networks).to.deep.equal(['{{podIP billing/pay}}/32', '198.51.100.0/24']);
    const state = planAddresses(s);
    const ip = state.podIPs.get('billing/pay')!;
    const [inForce] = adminPoliciesInForce(s, state);
    expect(inForce!.document.spec.egress?.[0]?.to?.[0]?.networks).to.deep.equal([`${ip}/32`, '198.51.100.0/24']);
    expect(inForce!.policy.egress[0]!.peers[0]).to.include({ kind: 'networks' });
    expect(renderAdminPolicy(loaded!, new Map([['billing/pay', '10.9.9.9']])).spec.egress?.[0]?.to?.[0]?.networks?.[0]).to.equal('10.9.9.9/32');
    // Without placeholders the loaded document is used as it is.
    expect(adminPoliciesInForce({ ...s, adminPolicies: [] } as Suite, state)).to.deep.equal([]);
    // A flow to the pod is denied by the admin rule.
    expect(planSuite(s).planned[0]!.prediction.verdict).to.equal('deny');
  });

  it('a placeholder that is not a CIDR once filled, or names an unknown pod, is refused at its line', async () => {
    const text = suiteText(withPlaceholder('"{{podIP billing/pay}}/40", "{{podIP billing/nope}}/32"'));
    write('suite.yaml', text);
    const p = await problems();
    expect(p.map((x) => x.message)).to.deep.equal([
      'networks entry "{{podIP billing/pay}}/40" is not a CIDR once its placeholders are filled (a pod\'s IPv4 address, e.g. {{podIP ns/pod}}/32)',
      '{{podIP billing/nope}} refers to unknown pod billing/nope',
    ]);
    expect(p[0]).to.include(where(text, '"{{podIP billing/pay}}/40"'));
    expect(p[1]).to.include(where(text, '"{{podIP billing/nope}}/32"'));
  });
});

describe('admin policies in suites: hostnames of externals', () => {
  it('are DNS-1123 subdomains, each once', async () => {
    const text = suiteText('', '    - {name: api, ip: 192.0.2.10, hostnames: [Api.example.com, api.example.com, api.example.com], serve: [{port: 443}]}');
    write('suite.yaml', text);
    const p = await problems();
    expect(p.map((x) => x.message)).to.deep.equal([
      'spec.externals[0].hostnames[0]: hostname "Api.example.com" is not a DNS-1123 subdomain: write lowercase letters, digits, "-" and ".", e.g. api.example.com (no "*", no trailing ".")',
      'spec.externals[0].hostnames[2]: hostname api.example.com is listed twice: remove one',
    ]);
    expect(p[0]).to.include(where(text, 'Api.example.com'));
  });
});

/**
 * One refusal per rule of the CRDs: the spec (YAML under spec:, indented by 8), where the
 * problem is reported (the text written there) and the message.
 */
interface Refusal {
  title: string;
  kind: AdminKind;
  spec: string;
  metadata?: string;
  at: string;
  /** Columns after `at` (a null item is located after its dash). */
  shift?: number;
  message: string;
}
const subject = '        subject: {namespaces: {}}';
const rule = (direction: 'ingress' | 'egress', body: string) => `        ${direction}:\n          - ${body}`;
const refusals: Refusal[] = [
  { title: 'priority is required (ANP)', kind: 'AdminNetworkPolicy', spec: subject, at: 'subject', message: 'spec.policies[0].spec.priority: required: AdminNetworkPolicy needs a priority: write a whole number from 0 (evaluated first) to 1000' },
  { title: 'priority is 0..1000', kind: 'AdminNetworkPolicy', spec: `        priority: 1001\n${subject}`, at: '1001', message: 'priority 1001 is out of range: write a whole number from 0 (evaluated first) to 1000' },
  { title: 'priority is a whole number', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1.5\n${subject}`, at: '1.5', message: 'priority must be a whole number from 0 to 1000, got 1.5' },
  { title: 'priority is required (CNP)', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n${subject}`, at: 'tier', message: 'ClusterNetworkPolicy needs a priority' },
  { title: 'a BANP has no priority', kind: 'BaselineAdminNetworkPolicy', spec: `        priority: 3\n${subject}`, at: '3', message: 'a BaselineAdminNetworkPolicy has no priority: there is one per cluster (named default), evaluated after NetworkPolicies; remove priority' },
  { title: 'a BANP is named default', kind: 'BaselineAdminNetworkPolicy', metadata: '{name: cluster-baseline}', spec: subject, at: 'cluster-baseline', message: 'a BaselineAdminNetworkPolicy must be named default, not "cluster-baseline"' },
  { title: 'metadata.name is a DNS-1123 subdomain', kind: 'AdminNetworkPolicy', metadata: '{name: Deny_All}', spec: `        priority: 1\n${subject}`, at: 'Deny_All', message: 'policy name "Deny_All" is not a DNS-1123 name' },
  { title: 'tier is required (CNP)', kind: 'ClusterNetworkPolicy', spec: `        priority: 1\n${subject}`, at: 'priority', message: 'spec.policies[0].spec.tier: required: write tier: Admin (before NetworkPolicies) or tier: Baseline (after them)' },
  { title: 'tier is Admin or Baseline', kind: 'ClusterNetworkPolicy', spec: `        tier: admin\n        priority: 1\n${subject}`, at: 'admin', message: 'tier "admin" is not Admin or Baseline' },
  { title: 'subject is required', kind: 'AdminNetworkPolicy', spec: '        priority: 1', at: 'priority', message: 'spec.policies[0].spec.subject: required: write subject: {namespaces: …} or {pods: …}' },
  { title: 'subject: exactly one of namespaces, pods', kind: 'AdminNetworkPolicy', spec: '        priority: 1\n        subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}', at: '{namespaceSelector', message: 'subject sets namespaces and pods: the API server allows exactly one; write namespaces alone, or pods with its namespaceSelector' },
  { title: 'subject: not empty', kind: 'AdminNetworkPolicy', spec: '        priority: 1\n        subject: {}', at: '{}', message: 'empty subject: the API server requires exactly one of namespaces or pods' },
  { title: 'v1alpha1 pods needs namespaceSelector', kind: 'BaselineAdminNetworkPolicy', spec: '        subject: {pods: {podSelector: {}}}', at: '{podSelector', message: 'required: BaselineAdminNetworkPolicy (v1alpha1) needs namespaceSelector beside podSelector: write namespaceSelector: {} for pods of every namespace' },
  { title: 'pods needs podSelector', kind: 'ClusterNetworkPolicy', spec: '        tier: Baseline\n        priority: 1\n        subject: {pods: {namespaceSelector: {}}}', at: '{namespaceSelector', message: 'pods needs podSelector: write podSelector: {} for every pod of the selected namespaces' },
  { title: 'a label selector follows the label rules', kind: 'AdminNetworkPolicy', spec: '        priority: 1\n        subject: {namespaces: {matchLabels: {"-team": a}}}', at: '"-team"', message: 'label key "-team" is not valid in Kubernetes' },
  {
    title: 'ingress rules: at most 100 (v1alpha1)',
    kind: 'AdminNetworkPolicy',
    spec: `        priority: 1\n${subject}\n        ingress: [${Array(101).fill('{action: Allow, from: [{namespaces: {}}]}').join(', ')}]`,
    at: '[{action',
    message: 'ingress has 101 rules: the API server allows at most 100 in AdminNetworkPolicy; split them across policies',
  },
  {
    title: 'egress rules: at most 25 (v1alpha2)',
    kind: 'ClusterNetworkPolicy',
    spec: `        tier: Admin\n        priority: 1\n${subject}\n        egress: [${Array(26).fill('{action: Deny, to: [{namespaces: {}}]}').join(', ')}]`,
    at: '[{action',
    message: 'egress has 26 rules: the API server allows at most 25 in ClusterNetworkPolicy; split them across policies',
  },
  { title: 'rule name: at most 100 characters', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', `{name: ${'n'.repeat(101)}, action: Allow, from: [{namespaces: {}}]}`)}`, at: 'nnnn', message: 'is longer than 100 characters (the API server\'s maxLength)' },
  { title: 'action is required', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{from: [{namespaces: {}}]}')}`, at: '{from', message: 'spec.policies[0].spec.ingress[0].action: required: write action: Allow, Deny or Pass' },
  { title: 'ANP actions: Allow, Deny, Pass', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Accept, from: [{namespaces: {}}]}')}`, at: 'Accept', message: '"Accept" is not an action of AdminNetworkPolicy: write Allow, Deny or Pass' },
  { title: 'BANP actions: Allow, Deny', kind: 'BaselineAdminNetworkPolicy', spec: `${subject}\n${rule('egress', '{action: Pass, to: [{namespaces: {}}]}')}`, at: 'Pass', message: '"Pass" is not an action of BaselineAdminNetworkPolicy: write Allow or Deny' },
  { title: 'CNP actions: Accept, Deny, Pass', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('egress', '{action: Allow, to: [{namespaces: {}}]}')}`, at: 'Allow', message: '"Allow" is not an action of ClusterNetworkPolicy: write Accept, Deny or Pass (ClusterNetworkPolicy says Accept where AdminNetworkPolicy says Allow)' },
  { title: 'from is required', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Allow}')}`, at: '{action: Allow}', message: 'spec.policies[0].spec.ingress[0].from: required: an ingress rule needs from (at least one peer)' },
  { title: 'to has at least one peer', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('egress', '{action: Deny, to: []}')}`, at: '[]', message: 'to is empty: the API server requires at least one peer' },
  {
    title: 'peers: at most 25 (v1alpha2)',
    kind: 'ClusterNetworkPolicy',
    spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', `{action: Deny, from: [${Array(26).fill('{namespaces: {}}').join(', ')}]}`)}`,
    at: '[{namespaces',
    message: 'from has 26 peers: the API server allows at most 25 in ClusterNetworkPolicy; split the rule',
  },
  { title: 'a peer sets exactly one field', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('egress', '{action: Deny, to: [{namespaces: {}, networks: [10.0.0.0/8]}]}')}`, at: '[10.0.0.0/8]', message: 'a peer sets namespaces and networks: the API server allows exactly one field per peer; write two peers' },
  { title: 'an empty peer', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Deny, from: [{}]}')}`, at: '{}]', message: 'empty peer: the API server requires exactly one field per peer; write one of namespaces or pods' },
  { title: 'ingress peers are namespaces or pods only', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', '{action: Deny, from: [{networks: [10.0.0.0/8]}]}')}`, at: '[10.0.0.0/8]', message: 'networks is not an ingress peer: from takes namespaces or pods only' },
  { title: 'a BANP has no domainNames peers', kind: 'BaselineAdminNetworkPolicy', spec: `${subject}\n${rule('egress', '{action: Deny, to: [{domainNames: [a.example.com]}]}')}`, at: '[a.example.com]', message: 'BaselineAdminNetworkPolicy egress peers have no domainNames: write namespaces, pods, nodes or networks' },
  { title: 'networks: 1 to 25', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('egress', '{action: Deny, to: [{networks: []}]}')}`, at: '[]', message: 'networks is empty: the API server requires 1 to 25 CIDRs' },
  { title: 'networks: CIDRs (isCIDR)', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('egress', '{action: Deny, to: [{networks: [10.0.0.1]}]}')}`, at: '10.0.0.1', message: '"10.0.0.1" is not a CIDR (the API server\'s isCIDR): write an address and a prefix length' },
  { title: 'networks: no leading zero in the prefix (Go netip)', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('egress', '{action: Deny, to: [{networks: [10.0.0.0/08]}]}')}`, at: '10.0.0.0/08', message: '"10.0.0.0/08" is not a CIDR' },
  { title: 'networks: a set', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('egress', '{action: Deny, to: [{networks: [10.0.0.0/8, 10.0.0.0/8]}]}')}`, at: '10.0.0.0/8]', message: 'networks lists "10.0.0.0/8" twice: the API server refuses a duplicate (the list is a set); remove one' },
  { title: 'networks: at most 43 characters', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('egress', '{action: Deny, to: [{networks: ["2001:0db8:0000:0000:0000:0000:0000:0000/0128"]}]}')}`, at: '"2001', message: 'is longer than 43 characters (the API server\'s maxLength for a CIDR)' },
  { title: 'domainNames: the CRD pattern', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('egress', '{action: Accept, to: [{domainNames: [localhost]}]}')}`, at: 'localhost', message: '"localhost" is not a domain name the API server takes: write a name of at least two labels' },
  { title: 'domainNames: "*" only as the first label', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('egress', '{action: Allow, to: [{domainNames: [api.*.example.com]}]}')}`, at: 'api.*', message: 'is not a domain name the API server takes' },
  { title: 'ports: at least one', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Allow, from: [{namespaces: {}}], ports: []}')}`, at: '[]', message: 'ports is empty: the API server requires at least one entry; leave ports out to match every port' },
  { title: 'a port sets exactly one field', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {port: 80}, portRange: {start: 1, end: 2}}]}')}`, at: '{start', message: 'a port sets portNumber and portRange: the API server allows exactly one field per entry of ports; write two entries' },
  { title: 'an empty port', kind: 'BaselineAdminNetworkPolicy', spec: `${subject}\n${rule('ingress', '{action: Allow, from: [{namespaces: {}}], ports: [{}]}')}`, at: '{}]}', message: 'empty port: the API server requires exactly one field per port' },
  { title: 'portNumber needs port', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {protocol: UDP}}]}')}`, at: '{protocol', message: 'required: write port, a port number from 1 to 65535' },
  { title: 'port numbers are 1..65535', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Allow, from: [{namespaces: {}}], ports: [{portRange: {start: 0, end: 80}}]}')}`, at: '0, end', message: 'port 0 is out of range (1-65535)' },
  { title: 'v1alpha1 protocols: TCP, UDP, SCTP', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {port: 53, protocol: udp}}]}')}`, at: 'udp', message: 'protocol "udp" is not TCP, UDP or SCTP: write one of these, in capitals' },
  { title: 'v1alpha1 rules have no protocols', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n${rule('ingress', '{action: Allow, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}')}`, at: '[{tcp', message: 'AdminNetworkPolicy (v1alpha1) rules name their ports under ports' },
  { title: 'v1alpha2 rules have no ports', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', '{action: Accept, from: [{namespaces: {}}], ports: [{portNumber: {port: 80}}]}')}`, at: '[{portNumber', message: 'ClusterNetworkPolicy (v1alpha2) rules name their ports under protocols' },
  { title: 'protocols: at least one', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', '{action: Accept, from: [{namespaces: {}}], protocols: []}')}`, at: '[]', message: 'protocols is empty: the API server requires at least one entry' },
  { title: 'a protocols entry sets exactly one field', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', '{action: Accept, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80}}, destinationNamedPort: http}]}')}`, at: 'http', message: 'a protocols entry sets tcp and destinationNamedPort: the API server allows exactly one field per entry; write two entries' },
  { title: 'tcp: {} is refused (MinProperties 1)', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', '{action: Accept, from: [{namespaces: {}}], protocols: [{tcp: {}}]}')}`, at: '{}}]}', message: 'empty tcp: the API server requires destinationPort in it' },
  { title: 'destinationPort: exactly one of number, range', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', '{action: Accept, from: [{namespaces: {}}], protocols: [{udp: {destinationPort: {number: 53, range: {start: 1, end: 9}}}}]}')}`, at: '{start', message: 'destinationPort sets number and range: the API server allows exactly one' },
  { title: 'range start < end (CEL)', kind: 'ClusterNetworkPolicy', spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('ingress', '{action: Accept, from: [{namespaces: {}}], protocols: [{sctp: {destinationPort: {range: {start: 9, end: 9}}}}]}')}`, at: '{start', message: 'range start 9 is not less than end 9: the API server refuses it ("Start port must be less than End port"); for one port write number: 9' },
  {
    title: 'no named port beside networks/nodes/domainNames peers (CEL, v1alpha1)',
    kind: 'AdminNetworkPolicy',
    spec: `        priority: 1\n${subject}\n${rule('egress', '{action: Allow, to: [{namespaces: {}}, {nodes: {}}], ports: [{portNumber: {port: 80}}, {namedPort: http}]}')}`,
    at: 'http',
    message: 'named port "http" in a rule with a nodes peer (to[1]): the API server refuses named ports beside nodes, networks or domainNames peers',
  },
  {
    title: 'no named port beside networks/nodes/domainNames peers (CEL, v1alpha2)',
    kind: 'ClusterNetworkPolicy',
    spec: `        tier: Admin\n        priority: 1\n${subject}\n${rule('egress', '{action: Accept, to: [{domainNames: [a.example.com]}], protocols: [{destinationNamedPort: http}]}')}`,
    at: 'http',
    message: 'named port "http" in a rule with a domainNames peer (to[0])',
  },
  {
    title: 'no named port beside networks/nodes peers (CEL, BANP)',
    kind: 'BaselineAdminNetworkPolicy',
    spec: `${subject}\n${rule('egress', '{action: Allow, to: [{networks: [10.0.0.0/8]}], ports: [{namedPort: http}]}')}`,
    at: 'http',
    message: 'the API server refuses named ports beside nodes or networks peers',
  },
  { title: 'a null list item is refused (not an object)', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n        ingress:\n          -`, at: '-\n', shift: 1, message: 'spec.policies[0].spec.ingress[0] is empty: write a mapping here, or remove the line' },
  { title: 'unknown fields are refused', kind: 'AdminNetworkPolicy', spec: `        priority: 1\n${subject}\n        podSelector: {}`, at: 'podSelector', message: 'unknown field "podSelector" in spec.policies[0].spec' },
];

describe('admin policies in suites: what the API server refuses is exit 2 at its line (loader)', () => {
  for (const r of refusals) {
    it(`${r.kind}: ${r.title}`, async () => {
      const text = suiteText(inline(r.kind, r.spec, r.metadata));
      write('suite.yaml', text);
      const p = await problems();
      expect(p, p.map((x) => `${x.line}:${x.col}: ${x.message}`).join('\n')).to.have.length(1);
      expect(p[0]!.message).to.contain(r.message);
      const at = where(text, r.at, '  policies:');
      expect({ line: p[0]!.line, col: p[0]!.col }).to.deep.equal({ line: at.line, col: at.col + (r.shift ?? 0) });
    });
  }

  it('the same rules in a policy file point at the file\'s lines', async () => {
    const policy = `apiVersion: ${v2}\nkind: ClusterNetworkPolicy\nmetadata: {name: x}\nspec:\n  tier: Admin\n  priority: 2000\n  subject: {namespaces: {}}\n`;
    const file = write('cnp.yaml', `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\n---\n${policy}`);
    write('suite.yaml', suiteText('    - file: cnp.yaml'));
    const p = await problems();
    expect(p).to.deep.equal([{ file, line: 10, col: 13, message: 'spec.priority: priority 2000 is out of range: write a whole number from 0 (evaluated first) to 1000' }]);
  });

  it('an apiVersion that is not the kind\'s is refused at apiVersion', async () => {
    const text = suiteText(inline('ClusterNetworkPolicy', `        tier: Admin\n        priority: 1\n${subject}`).replace(v2, v1));
    write('suite.yaml', text);
    const p = await problems();
    expect(p.map((x) => x.message)).to.deep.equal([
      `spec.policies[0].apiVersion: apiVersion must be ${v2} for kind ClusterNetworkPolicy (flowproof reads NetworkPolicy (apiVersion networking.k8s.io/v1), AdminNetworkPolicy or BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) or ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2))`,
    ]);
    expect(p[0]).to.include(where(text, v1, '  policies:'));
  });

  it('an inline entry of another kind names the kinds a suite takes', async () => {
    const text = suiteText('    - {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}');
    write('suite.yaml', text);
    const p = await problems();
    expect(p).to.have.length(1);
    expect(p[0]!.message).to.equal(
      'spec.policies[0].kind: kind "ConfigMap" is not a policy flowproof reads: write NetworkPolicy (apiVersion networking.k8s.io/v1), AdminNetworkPolicy or BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) or ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2), or file: <path>',
    );
    expect(p[0]).to.include(where(text, 'ConfigMap'));
  });

  it('a file document of another kind keeps "not a NetworkPolicy" and names the kinds a suite takes', async () => {
    const file = write('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    write('suite.yaml', suiteText('    - file: cm.yaml'));
    const p = await problems();
    expect(p).to.have.length(1);
    expect(p[0]).to.include({ file, line: 1, col: 13 });
    expect(p[0]!.message).to.equal(
      'not a NetworkPolicy: expected apiVersion networking.k8s.io/v1 and kind NetworkPolicy, got apiVersion "v1" kind "ConfigMap" (a suite\'s policies are NetworkPolicy (apiVersion networking.k8s.io/v1), AdminNetworkPolicy or BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) or ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2))',
    );
  });

  it('duplicate ids are refused like duplicate NetworkPolicies; an ANP and a CNP of one name are no clash', async () => {
    write('admin.yaml', anpFile);
    const text = suiteText(
      [
        '    - file: admin.yaml',
        inline('AdminNetworkPolicy', `        priority: 4\n${subject}`, '{name: deny-billing}'),
        inline('BaselineAdminNetworkPolicy', subject),
        inline('ClusterNetworkPolicy', `        tier: Admin\n        priority: 1\n${subject}`, '{name: deny-billing}'),
      ].join('\n'),
    );
    const file = write('suite.yaml', text);
    const p = await problems();
    expect(p.map((x) => x.message)).to.deep.equal([
      `duplicate policy anp/deny-billing (first defined at ${dir}/admin.yaml:1): AdminNetworkPolicy names are unique in a cluster`,
      `duplicate policy banp/default (first defined at ${dir}/admin.yaml:${where(anpFile, `apiVersion: ${v1}\nkind: Baseline`).line}): a cluster has one BaselineAdminNetworkPolicy`,
    ]);
    expect(p[0]).to.include({ file, ...where(text, `apiVersion: ${v1}`) });
  });
});

describe('admin policies in suites: flowproof validate (real CLI)', () => {
  const validate = (...files: string[]) => spawnSync(process.execPath, ['bin/flowproof.js', 'validate', ...files], { cwd: repo, encoding: 'utf8', timeout: 60_000 });

  it('counts admin policies beside NetworkPolicies', () => {
    write('admin.yaml', anpFile);
    const file = write('suite.yaml', suiteText(`    - file: admin.yaml\n${cnpInline}`));
    const r = validate(file);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`ok ${file}: 3 flows, 1 policy, 3 admin policies\n`);
  });

  for (const r of refusals.filter((x) => ['a peer sets exactly one field', 'range start < end (CEL)', 'a BANP is named default', 'no named port beside networks/nodes/domainNames peers (CEL, v1alpha1)'].includes(x.title))) {
    it(`${r.kind}: ${r.title}: exit 2, file:line:col on stderr`, () => {
      const text = suiteText(inline(r.kind, r.spec, r.metadata));
      const file = write('suite.yaml', text);
      const out = validate(file);
      expect(out.status, out.stderr).to.equal(2);
      const { line, col } = where(text, r.at, '  policies:');
      expect(out.stderr).to.contain(`${file}:${line}:${col}: `);
      expect(out.stderr).to.contain(r.message);
      expect(out.stdout).to.equal('');
      expect(out.stderr).not.to.match(/\n\s+at /);
    });
  }

  it('a bad document in a policy file: exit 2 at the file\'s line', () => {
    const policy = write('banp.yaml', `apiVersion: ${v1}\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  egress:\n    - action: Deny\n      to: [{domainNames: [a.example.com]}]\n`);
    const file = write('suite.yaml', suiteText('    - file: banp.yaml'));
    const out = validate(file);
    expect(out.status, out.stderr).to.equal(2);
    expect(out.stderr).to.contain(`${policy}:8:26: spec.egress[0].to[0].domainNames: BaselineAdminNetworkPolicy egress peers have no domainNames`);
  });
});

describe('suites/schema.json knows the admin kinds', () => {
  it('spec.policies items may be any of the four kinds or a file', () => {
    const schema = JSON.parse(readFileSync('suites/schema.json', 'utf8')) as {
      $defs: Record<string, { properties?: Record<string, unknown> }>;
      properties: { spec: { properties: { policies: { anyOf: Array<{ items?: { anyOf: Array<{ $ref: string }> } }> } } } };
    };
    const items = schema.properties.spec.properties.policies.anyOf[0]!.items!.anyOf.map((r) => r.$ref);
    expect(items).to.deep.equal(['#/$defs/PolicyFile', '#/$defs/NetworkPolicy', '#/$defs/AdminNetworkPolicy', '#/$defs/BaselineAdminNetworkPolicy', '#/$defs/ClusterNetworkPolicy']);
    expect(schema.$defs.External!.properties).to.have.property('hostnames');
  });
});
