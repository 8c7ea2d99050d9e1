// scaffold for admin policies (issue 16): every admin rule gets a flow it decides (expect =
// its effect; for Pass, the effect of what decides below) and its boundary (the nearest flow
// it does not match: another port, an end just outside its peer), each justified by the rule;
// the draft validates and plan agrees. Flows the API leaves undefined are left out and named.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import * as planCommand from '../../lib/commands/plan.ts';
import * as scaffoldCommand from '../../lib/commands/scaffold.ts';
import { normalizeAdminPolicy, type AdminPolicyDocument } from '../../lib/policy/admin.ts';
import { scaffoldDraft } from '../../lib/policy/scaffold.ts';
import type { RunResult } from '../../lib/types.ts';
import { runCommand } from './run-command.ts';

const shop = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: web-egress
spec:
  priority: 5
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
      podSelector: {matchLabels: {app: web}}
  egress:
    - name: payments
      action: Allow
      to:
        - domainNames: ["*.payments.example.com"]
    - action: Deny
      to:
        - networks: [203.0.113.0/24]
      ports:
        - portRange: {start: 8000, end: 9000}
    - action: Allow
      to:
        - pods:
            namespaceSelector: {}
            podSelector: {matchLabels: {app: db}}
      ports:
        - namedPort: postgres
    - action: Deny
      to:
        - nodes: {}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: front-pass
spec:
  priority: 6
  subject:
    namespaces: {matchLabels: {tier: front}}
  ingress:
    - action: Pass
      from:
        - namespaces: {matchLabels: {team: ops}}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: front-dns
spec:
  tier: Admin
  priority: 7
  subject:
    namespaces: {matchLabels: {tier: front}}
  ingress:
    - action: Accept
      from:
        - namespaces: {matchLabels: {team: dns}}
      protocols:
        - udp: {destinationPort: {number: 53}}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  ingress:
    - action: Deny
      from:
        - namespaces: {matchLabels: {team: ops}}
  egress:
    - action: Deny
      to:
        - networks: [198.51.100.0/24]
`;

// Two policies at one priority that disagree about one packet; a rule the first rule shadows.
const tie = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: tie-allow}
spec:
  priority: 3
  subject: {namespaces: {matchLabels: {tenant: a}}}
  ingress:
    - action: Allow
      from: [{namespaces: {matchLabels: {tenant: b}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: tie-deny}
spec:
  priority: 3
  subject: {namespaces: {matchLabels: {tenant: a}}}
  ingress:
    - action: Deny
      from: [{namespaces: {matchLabels: {tenant: b}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: shadowed}
spec:
  priority: 9
  subject: {namespaces: {matchLabels: {tenant: c}}}
  egress:
    - action: Deny
      to: [{namespaces: {}}]
    - action: Allow
      to: [{namespaces: {matchLabels: {tenant: d}}}]
`;

interface DraftFlow {
  name: string;
  expect: string;
  port: number | string;
  protocol: string;
  justification: string;
}
interface Draft {
  spec: { flows: DraftFlow[]; externals?: Array<{ name: string; hostnames?: string[] }> };
}

describe('scaffold: admin rules and their boundaries', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-scaf-admin-'));
    writeFileSync(join(dir, 'shop.yaml'), shop);
    writeFileSync(join(dir, 'tie.yaml'), tie);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const scaffold = async (file: string) => {
    const out = join(dir, file.replace('.yaml', '.suite.yaml'));
    const s = await runCommand(scaffoldCommand, ['scaffold', join(dir, file), '-o', out]);
    expect(s.code, s.stderr).to.equal(0);
    const text = readFileSync(out, 'utf8');
    return { out, text, doc: parse(text) as Draft };
  };

  it('every admin rule gets a flow it decides, justified by it, with expect = its effect (Pass: what decides below)', async () => {
    const { doc } = await scaffold('shop.yaml');
    const flows = doc.spec.flows;
    const exercising = (label: string) => flows.filter((f) => f.justification.startsWith(`exercises ${label}; policies: `));
    const cases: Array<[string, string]> = [
      ['anp/web-egress egress[0] (priority 5, Allow)', 'allow'],
      ['anp/web-egress egress[1] (priority 5, Deny)', 'deny'],
      ['anp/web-egress egress[2] (priority 5, Allow)', 'allow'],
      ['cnp/front-dns ingress[0] (Admin tier, priority 7, Accept)', 'allow'],
      ['banp/default egress[0] (Deny)', 'deny'],
    ];
    for (const [label, effect] of cases) {
      const fs = exercising(label);
      expect(fs, label).to.have.length.greaterThan(0);
      for (const f of fs) {
        expect(f.expect, f.name).to.equal(effect);
        expect(f.justification).to.contain(`policies: ${label}`);
      }
    }
    // Pass: the flow passes to the baseline, whose Deny decides it.
    const [pass] = exercising('anp/front-pass ingress[0] (priority 6, Pass)');
    expect(pass!.expect).to.equal('deny');
    expect(pass!.justification).to.contain('anp/front-pass ingress[0] (priority 6, Pass) → banp/default ingress[0] (Deny)');
    // domainNames: the external carries a hostname the pattern matches.
    expect(doc.spec.externals!.some((e) => e.hostnames?.includes('www.payments.example.com'))).to.equal(true);
    // The named port is probed by name.
    expect(exercising('anp/web-egress egress[2] (priority 5, Allow)')[0]!.port).to.equal('postgres');
  });

  it('and its boundary: the same ends on a port just outside, and an end just outside the peer', async () => {
    const { doc } = await scaffold('shop.yaml');
    const boundary = (label: string) => doc.spec.flows.filter((f) => f.justification.startsWith(`boundary of ${label}: `));
    const range = boundary('anp/web-egress egress[1] (priority 5, Deny)');
    expect(range.map((f) => f.justification)).to.include.members([
      'boundary of anp/web-egress egress[1] (priority 5, Deny): 9001/TCP is outside its ports (ports 8000-9000/TCP); policies: allowed: no policy isolates source shop/web for egress',
    ]);
    expect(range.some((f) => f.justification.includes('is outside 203.0.113.0/24'))).to.equal(true);
    const udp = boundary('cnp/front-dns ingress[0] (Admin tier, priority 7, Accept)');
    expect(udp.find((f) => f.port === 54)).to.include({ protocol: 'UDP', expect: 'allow' });
    expect(udp.some((f) => f.justification.includes('namespace outside is not selected by namespaceSelector team=dns'))).to.equal(true);
    const pods = boundary('anp/web-egress egress[2] (priority 5, Allow)');
    expect(pods.some((f) => f.justification.includes('podSelector app=db does not pick it'))).to.equal(true);
  });

  it('names the rule items it could not probe (nodes), and plan agrees with the draft', async () => {
    const { out, text } = await scaffold('shop.yaml');
    expect(text).to.match(/^# No flow was written for these admin rule items: anp\/web-egress egress\[3\] \(priority 5, Deny\) to\[0\]: nodes \{\} \(all\): a suite has no nodes to probe$/m);
    const p = await runCommand(planCommand, ['plan', out, '--json']);
    expect(p.code, p.stdout + p.stderr).to.equal(0);
    const result = JSON.parse(p.stdout) as RunResult;
    expect(result.summary.fail).to.equal(0);
  });

  it('leaves out the flows same-priority policies make undefined, and says a shadowed rule does not decide its flow', async () => {
    const { out, text, doc } = await scaffold('tie.yaml');
    expect(text).to.match(/^# Left out: same-priority admin policies disagree about these flows, and the API leaves the outcome to the implementation \(plan would report them undefined\): "anp\/tie-allow ingress\[0\] \(priority 3, Allow\): ns-b\/client -> ns-a\/workload 8080\/TCP"; "anp\/tie-deny ingress\[0\]/m);
    expect(doc.spec.flows.some((f) => f.name.startsWith('anp/tie-allow ingress[0] (priority 3, Allow): '))).to.equal(false);
    const meant = doc.spec.flows.find((f) => f.name.startsWith('anp/shadowed egress[1] (priority 9, Allow): '))!;
    expect(meant.justification).to.match(/^meant to exercise anp\/shadowed egress\[1\] \(priority 9, Allow\), which does not decide it/);
    expect(meant.expect).to.equal('deny');
    const p = await runCommand(planCommand, ['plan', out, '--json']);
    expect(p.code, p.stdout + p.stderr).to.equal(0);
  });

  it('the draft records which rule each flow is about (pure, no loader)', () => {
    const anp = normalizeAdminPolicy(parse(shop.split('---')[0]!) as AdminPolicyDocument);
    const draft = scaffoldDraft([], [anp]);
    const about = draft.flows.map((f) => f.exercises ?? `boundary ${f.boundary?.rule}`);
    expect(about).to.include('anp/web-egress egress[1] (priority 5, Deny)');
    expect(about).to.include('boundary anp/web-egress egress[1] (priority 5, Deny)');
    expect(draft.skippedAdmin).to.have.length(1);
  });
});
