// lint over admin policies (issue 16): each rule fires at file:line:col when it should and not
// when it should not; errors only for what the API server refuses or what certainly does
// nothing; a suite's world decides what the policies alone cannot.
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { normalizeAdminPolicy, type AdminPeer, type AdminPolicyDocument, type AdminPort } from '../../lib/policy/admin.ts';
import { peerCovers, portCovers, selectorCovers, subjectCovers } from '../../lib/policy/lint/admin-cover.ts';
import { lintAdminPolicies, lintFiles, parsePolicyText, type Finding } from '../../lib/policy/lint/index.ts';
import { lintSuite } from '../../lib/plan/lint.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { LabelSelector } from '../../lib/types.ts';

const dir = 'test/fixtures/lint';
const lintAt = (path: string): Finding[] => lintFiles([path], { podCIDR: '10.244.0.0/16' });
const at = (fs: Finding[]) => fs.map((f) => `${f.ruleId}@${f.location.line}:${f.location.col} ${f.severity}`);
const only = (fs: Finding[], ruleId: string) => fs.filter((f) => f.ruleId === ruleId);
const admin = /^(admin-|baseline-)/;

describe('lint: admin policies in a policy file', () => {
  const findings = lintAt(`${dir}/admin-order.yaml`);

  it('reports each order mistake at its rule, with a severity that says how sure it is', () => {
    expect(at(findings)).to.deep.equal([
      'admin-rule-shadowed@15:7 error', // deny-first ingress[1] behind its own deny-all
      'admin-rule-shadowed@30:7 info', // egress[1]: same effect as egress[0], redundant
      'admin-rule-shadowed@57:7 error', // later-allow: a lower-precedence policy, subject covered
      'admin-same-priority-overlap@80:13 warning', // tie-allow / tie-deny at priority 30
      'admin-nodes-peer@89:18 info',
      'admin-domain-names@92:24 info',
      'baseline-rule-unreachable@122:7 error', // banp ingress[2] behind ingress[1]
      'admin-mixed-api-versions@129:13 warning', // BANP and a Baseline-tier CNP
      'baseline-rule-unreachable@139:7 warning', // the CNP behind the BANP: flowproof's order only
    ]);
    expect(findings.every((f) => f.location.file === `${dir}/admin-order.yaml`)).to.equal(true);
  });

  it('a shadowed rule names the rule that shadows it and says what to do', () => {
    const [first] = only(findings, 'admin-rule-shadowed');
    expect(first!.policy).to.equal('anp/deny-first');
    expect(first!.message).to.contain('ingress[1] "allow-tenant-a" (Allow) can never apply');
    expect(first!.message).to.contain('anp/deny-first ingress[0] (priority 5, Deny) comes first');
    expect(first!.message).to.contain('move it above that rule');
    const across = only(findings, 'admin-rule-shadowed').find((f) => f.policy === 'anp/later-allow')!;
    expect(across.message).to.contain('anp/deny-first ingress[0] (priority 5, Deny)');
    const cnp = only(findings, 'baseline-rule-unreachable').find((f) => f.policy === 'cnp/baseline-pass')!;
    expect(cnp.message).to.contain('across API versions the order is undefined upstream');
  });

  it('does not report a later rule the earlier ones do not cover (another port, a narrower peer first)', () => {
    // egress[2] narrower-by-port (9443) is outside egress[0]'s 8000-9000; banp ingress[1] is wider than ingress[0].
    expect(findings.some((f) => f.location.line === 38 || f.location.line === 118)).to.equal(false);
  });

  it('same priority: reported when the subjects certainly overlap, with the API\'s words; not for another tenant', () => {
    const [o] = only(findings, 'admin-same-priority-overlap');
    expect(o!.message).to.contain('anp/tie-allow and anp/tie-deny both have priority 30');
    expect(o!.message).to.contain('undefined');
    expect(o!.message).to.contain('`plan` reports such flows as ambiguous');
    expect(findings.some((f) => f.message.includes('tie-other-tenant'))).to.equal(false);
  });

  it('a Pass in the Baseline tier is said once (the rule is already reported unreachable here)', () => {
    expect(only(findings, 'admin-pass-nothing-below')).to.deep.equal([]);
    const text = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: b}
spec:
  tier: Baseline
  priority: 1
  subject: {namespaces: {}}
  ingress:
    - action: Pass
      from: [{namespaces: {matchLabels: {role: monitoring}}}]
`;
    const f = lintAdminPolicies(parsePolicyText('b.yaml', text).adminPolicies, { where: 'this file' });
    expect(at(f)).to.deep.equal(['admin-pass-nothing-below@9:7 info']);
    expect(f[0]!.message).to.contain('exactly as Accept would');
  });

  it('mixed API versions: info when the tiers do not mix', () => {
    const text = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a}
spec: {priority: 1, subject: {namespaces: {}}}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: b}
spec: {tier: Baseline, priority: 1, subject: {namespaces: {}}}
`;
    const f = lintAdminPolicies(parsePolicyText('m.yaml', text).adminPolicies, { where: 'this file' });
    expect(at(f)).to.deep.equal(['admin-mixed-api-versions@6:13 info']);
  });
});

describe('lint: what the API server refuses in admin policies', () => {
  const findings = lintAt(`${dir}/admin-invalid.yaml`);

  it('each refusal is an admin-invalid error at its field', () => {
    expect(at(only(findings, 'admin-invalid'))).to.deep.equal([
      'admin-invalid@2:13 error', // apiVersion
      'admin-invalid@7:13 error', // priority 1001
      'admin-invalid@9:5 error', // subject with both fields
      'admin-invalid@14:15 error', // Accept in an ANP
      'admin-invalid@16:21 error', // networks in ingress
      'admin-invalid@19:11 error', // empty peer
      'admin-invalid@21:7 error', // namedPort with a networks peer
      'admin-invalid@23:34 error', // not a CIDR
      'admin-invalid@27:11 error', // to: []
      'admin-invalid@29:9 error', // protocols in an ANP
      'admin-invalid@34:9 error', // BANP not named default
      'admin-invalid@38:7 error', // v1alpha1 pods without namespaceSelector
      'admin-invalid@40:15 error', // Pass in a BANP
      'admin-invalid@42:24 error', // domainNames in a BANP
      'admin-invalid@49:9 error', // tier Middle
      'admin-invalid@54:15 error', // Allow in a CNP
      'admin-invalid@58:16 error', // tcp: {}
      'admin-invalid@59:42 error', // range 90-80
      'admin-invalid@61:9 error', // ports in a CNP
    ]);
  });

  it('says what to write instead', () => {
    const msg = (line: number) => findings.find((f) => f.ruleId === 'admin-invalid' && f.location.line === line)!.message;
    expect(msg(14)).to.contain('(v1alpha1 says Allow)');
    expect(msg(19)).to.contain('for every pod write namespaces: {}');
    expect(msg(34)).to.contain('must be named "default"');
    expect(msg(54)).to.contain('ClusterNetworkPolicy says Accept');
  });

  it('a valid file has no admin-invalid finding', () => {
    expect(only(lintAt(`${dir}/admin-order.yaml`), 'admin-invalid')).to.deep.equal([]);
    expect(only(lintAt(`${dir}/guardrails-admin.yaml`), 'admin-invalid')).to.deep.equal([]);
  });

  it('a shape the rules cannot read is an input error at the field, not a crash', () => {
    const text = 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: x}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress: {action: Deny}\n';
    expect(() => parsePolicyText('x.yaml', text)).to.throw(InputError, 'spec.ingress must be a list, not a mapping: not an AdminNetworkPolicy the API server would accept');
    try {
      parsePolicyText('x.yaml', text);
    } catch (e) {
      expect((e as InputError).problems[0]!.location).to.deep.equal({ file: 'x.yaml', line: 7, col: 12 });
    }
  });

  it('an inline admin policy of a suite is found at its lines in the suite', () => {
    const text = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: s}
spec:
  policies:
    - apiVersion: policy.networking.k8s.io/v1alpha1
      kind: AdminNetworkPolicy
      metadata: {name: inline}
      spec:
        priority: 1
        subject: {namespaces: {}}
        ingress:
          - action: Deny
            from: [{namespaces: {}}]
          - action: Allow
            from: [{namespaces: {matchLabels: {a: b}}}]
`;
    const parsed = parsePolicyText('s.yaml', text);
    expect(parsed.adminPolicies).to.have.length(1);
    const f = lintAdminPolicies(parsed.adminPolicies, { where: 'this suite' });
    expect(at(f)).to.deep.equal(['admin-rule-shadowed@15:13 error']);
  });
});

describe('lint: admin policies over a suite\'s world', () => {
  let findings: Finding[];
  before(async () => {
    findings = (await lintSuite(await loadSuite(`${dir}/admin-world.suite.yaml`))).filter((f) => admin.test(f.ruleId));
  });
  const file = `${dir}/admin-world-policies.yaml`;

  it('reports what only the world shows, at the policy file\'s lines', () => {
    expect(at(findings)).to.deep.equal([
      'admin-rule-shadowed@30:7 warning', // monitoring-deny: only prometheus lives in monitoring
      'admin-pass-nothing-below@46:7 warning', // pass-own-b: tenant-b has no NetworkPolicy, the baseline does not select it
      'admin-same-priority-overlap@70:13 warning', // tie-web and tie-b both select tenant-b/web
      'baseline-rule-unreachable@117:7 warning', // every tenant-a pod is isolated for ingress
    ]);
    expect(findings.every((f) => f.location.file === file)).to.equal(true);
  });

  it('says why, naming the pods, the packets and the rules', () => {
    const [shadow] = only(findings, 'admin-rule-shadowed');
    expect(shadow!.message).to.contain('monitoring/prom -> tenant-a/web 9090/TCP');
    expect(shadow!.message).to.contain('anp/monitoring-first ingress[0] (priority 5, Allow)');
    const [pass] = only(findings, 'admin-pass-nothing-below');
    expect(pass!.message).to.contain('no NetworkPolicy isolates tenant-b/web for ingress');
    expect(pass!.message).to.contain('the Pass means allowed by default');
    const [tie] = only(findings, 'admin-same-priority-overlap');
    expect(tie!.message).to.contain('both select tenant-b/web');
    expect(tie!.message).to.contain('tenant-b/web -> ext:vendor (203.0.113.10) 443/TCP');
    const [base] = only(findings, 'baseline-rule-unreachable');
    expect(base!.message).to.contain('(tenant-a/web and tenant-a/db) is isolated for ingress by a NetworkPolicy (tenant-a/isolate-a)');
  });

  it('is silent where the world says the rule is reached', () => {
    // pass-own-a hands tenant-a to isolate-a; the baseline's egress rule is reached (no egress
    // isolation); tie-monitoring shares no pod with the other priority-20 policies.
    expect(findings.some((f) => f.policy === 'anp/pass-own-a' || f.policy === 'anp/tie-monitoring')).to.equal(false);
    expect(findings.some((f) => f.location.line === 121)).to.equal(false);
  });

  it('the same policies without their suite: nothing that needs the world is reported', () => {
    expect(lintAt(file).filter((f) => admin.test(f.ruleId))).to.deep.equal([]);
  });

  it('the tenant guardrails (Pass to NetworkPolicies that isolate, a baseline for the pods they do not): no finding', async () => {
    expect(await lintSuite(await loadSuite(`${dir}/guardrails.suite.yaml`))).to.deep.equal([]);
    expect(lintAt(`${dir}/guardrails-admin.yaml`)).to.deep.equal([]);
  });
});

describe('lint: structural coverage is claimed only where it is certain', () => {
  const sel = (matchLabels: Record<string, string>, matchExpressions: NonNullable<LabelSelector['matchExpressions']> = []): LabelSelector => ({ matchLabels, matchExpressions });

  it('selectors: fewer requirements cover more; In, NotIn, Exists and DoesNotExist by implication', () => {
    expect(selectorCovers({}, sel({ a: 'b' }))).to.equal(true);
    expect(selectorCovers(sel({ a: 'b' }), {})).to.equal(false);
    expect(selectorCovers(sel({}, [{ key: 'a', operator: 'In', values: ['b', 'c'] }]), sel({ a: 'b', x: 'y' }))).to.equal(true);
    expect(selectorCovers(sel({}, [{ key: 'a', operator: 'Exists' }]), sel({ a: 'b' }))).to.equal(true);
    expect(selectorCovers(sel({}, [{ key: 'a', operator: 'NotIn', values: ['z'] }]), sel({ a: 'b' }))).to.equal(true);
    expect(selectorCovers(sel({}, [{ key: 'a', operator: 'NotIn', values: ['z'] }]), sel({}, [{ key: 'a', operator: 'DoesNotExist' }]))).to.equal(true);
    expect(selectorCovers(sel({}, [{ key: 'a', operator: 'NotIn', values: ['b'] }]), sel({ a: 'b' }))).to.equal(false);
    expect(selectorCovers(sel({}, [{ key: 'a', operator: 'DoesNotExist' }]), sel({ x: 'y' }))).to.equal(false);
  });

  it('peers and ports', () => {
    const peer = (p: Partial<AdminPeer> & { kind: AdminPeer['kind'] }) => ({ index: 0, ...p }) as AdminPeer;
    const ns = (s: object) => peer({ kind: 'namespaces', namespaceSelector: s } as AdminPeer);
    const pods = (n: object, p: object) => peer({ kind: 'pods', namespaceSelector: n, podSelector: p } as AdminPeer);
    expect(peerCovers(ns({}), pods(sel({ a: 'b' }), sel({ app: 'x' })))).to.equal(true);
    expect(peerCovers(pods({}, {}), ns(sel({ a: 'b' })))).to.equal(true);
    expect(peerCovers(pods({}, sel({ app: 'x' })), ns({}))).to.equal(false);
    const doc = (networks: string[]) => normalizeAdminPolicy({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'n' }, spec: { priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks }] }] } } as AdminPolicyDocument).egress[0]!.peers[0]!;
    expect(peerCovers(doc(['10.0.0.0/8']), doc(['10.1.0.0/16', '10.2.0.0/16']))).to.equal(true);
    expect(peerCovers(doc(['10.0.0.0/8']), doc(['10.1.0.0/16', '192.0.2.0/24']))).to.equal(false);
    const dn = (domainNames: string[]) => peer({ kind: 'domainNames', domainNames } as AdminPeer);
    expect(peerCovers(dn(['*.example.com']), dn(['api.example.com', '*.eu.example.com']))).to.equal(true);
    expect(peerCovers(dn(['*.example.com']), dn(['example.com']))).to.equal(false);
    const port = (p: object) => ({ index: 0, ...p }) as AdminPort;
    expect(portCovers(port({ kind: 'range', protocol: 'TCP', start: 80, end: 90 }), port({ kind: 'number', protocol: 'TCP', port: 85 }))).to.equal(true);
    expect(portCovers(port({ kind: 'range', protocol: 'TCP', start: 80, end: 90 }), port({ kind: 'number', protocol: 'UDP', port: 85 }))).to.equal(false);
    // A named port and a number may be the same port on some pod, not on every one: not certain.
    expect(portCovers(port({ kind: 'named', name: 'http' }), port({ kind: 'number', protocol: 'TCP', port: 80 }))).to.equal(false);
  });

  it('subjects: namespaces covers pods in those namespaces; pods with a podSelector never cover namespaces', () => {
    expect(subjectCovers({ kind: 'namespaces', namespaceSelector: {} }, { kind: 'pods', namespaceSelector: sel({ a: 'b' }), podSelector: sel({ x: 'y' }) })).to.equal(true);
    expect(subjectCovers({ kind: 'pods', namespaceSelector: {}, podSelector: sel({ x: 'y' }) }, { kind: 'namespaces', namespaceSelector: {} })).to.equal(false);
  });
});
