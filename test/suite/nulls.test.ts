// YAML nulls (issue 12, item 1): `ingress:` with nothing after it, `- from:` with nothing,
// `matchLabels:` with nothing… The API server decodes a null field as an absent one (a
// null element of a list of structs as an empty struct), so flowproof loads, predicts and
// lints them exactly as the cluster would enforce them; where the API server refuses the
// result (an empty peer), the message says what to write instead.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { parse } from 'yaml';
import { InputError } from '../../lib/errors.ts';
import { planRecord } from '../../lib/plan/flows.ts';
import { planSuite } from '../../lib/plan/prepare.ts';
import { lintPolicies, parsePolicyText } from '../../lib/policy/lint/index.ts';
import { loadSuite } from '../../lib/suite/load.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-nulls-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Two namespaces; shop/web and other/client carry the same labels; db serves 5432 and 6000. */
const suite = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: nulls}
spec:
  namespaces: {shop: {}, other: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}, serve: [{port: 8080}]}
    - {name: db, namespace: shop, labels: {app: db}, serve: [{port: 5432}, {port: 6000}]}
    - {name: client, namespace: other, labels: {app: web}}
  policies:
    - file: policy.yaml
  flows:
    - {name: web-db, from: shop/web, to: shop/db, port: 5432, expect: allow}
    - {name: web-db-6000, from: shop/web, to: shop/db, port: 6000, expect: allow}
    - {name: client-db, from: other/client, to: shop/db, port: 5432, expect: allow}
    - {name: db-web, from: shop/db, to: shop/web, port: 8080, expect: allow}
`;

const head = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n';

/** The predicted verdict of every flow under one policy document. */
async function predicted(policy: string): Promise<Record<string, string>> {
  writeFileSync(join(dir, 'suite.yaml'), suite);
  writeFileSync(join(dir, 'policy.yaml'), head + policy);
  const plan = planSuite(await loadSuite(join(dir, 'suite.yaml')));
  return Object.fromEntries(plan.planned.map((i) => [i.resolved.flow.name, planRecord(i).predicted]));
}

async function problems(policy: string): Promise<string[]> {
  writeFileSync(join(dir, 'suite.yaml'), suite);
  writeFileSync(join(dir, 'policy.yaml'), head + policy);
  try {
    await loadSuite(join(dir, 'suite.yaml'));
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems.map((p) => `${p.location.line}:${p.location.col}: ${p.message}`);
  }
  throw new Error('the suite loaded without a problem');
}

describe('YAML nulls in NetworkPolicies: null = absent, as the API server decodes them', () => {
  it('`ingress:` with nothing after it: no ingress rule, so the selected pod is isolated (deny)', async () => {
    const v = await predicted('spec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n  ingress:\n');
    expect(v).to.deep.equal({ 'web-db': 'deny', 'web-db-6000': 'deny', 'client-db': 'deny', 'db-web': 'allow' });
  });

  it('`- from:` with nothing: every source, on the listed ports', async () => {
    const v = await predicted('spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - from:\n      ports:\n        - port: 5432\n');
    expect(v).to.deep.equal({ 'web-db': 'allow', 'web-db-6000': 'deny', 'client-db': 'allow', 'db-web': 'allow' });
  });

  it('`ports:` with nothing: every port', async () => {
    const v = await predicted('spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: web}}}]\n      ports:\n');
    expect(v).to.deep.equal({ 'web-db': 'allow', 'web-db-6000': 'allow', 'client-db': 'deny', 'db-web': 'allow' });
  });

  it('spec `podSelector:` and `matchLabels:` with nothing: every pod of the namespace', async () => {
    const v = await predicted('spec:\n  podSelector:\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n            matchExpressions:\n');
    expect(v).to.deep.equal({ 'web-db': 'allow', 'web-db-6000': 'allow', 'client-db': 'deny', 'db-web': 'allow' });
  });

  it('`namespaceSelector:` with nothing is absent (own namespace); `namespaceSelector: {}` is every namespace', async () => {
    const peer = (ns: string) => `spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: web}}\n          namespaceSelector:${ns}\n`;
    expect((await predicted(peer('')))['client-db']).to.equal('deny');
    expect((await predicted(peer(' {}')))['client-db']).to.equal('allow');
  });

  it('`policyTypes:` and `except:` with nothing: defaulting from the rules, no exception', async () => {
    const v = await predicted(
      'spec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes:\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/8\n            except:\n',
    );
    // policyTypes defaults to [Ingress, Egress]: web's ingress is isolated, its egress goes anywhere in 10/8.
    expect(v).to.deep.equal({ 'web-db': 'allow', 'web-db-6000': 'allow', 'client-db': 'allow', 'db-web': 'deny' });
  });

  it('`spec:` with nothing: podSelector {} and policyTypes [Ingress], deny all ingress in the namespace', async () => {
    const v = await predicted('spec:\n');
    expect(v).to.deep.equal({ 'web-db': 'deny', 'web-db-6000': 'deny', 'client-db': 'deny', 'db-web': 'deny' });
  });

  it('`ingress:` holding one null rule (`-` alone): an empty rule, which allows everything', async () => {
    const v = await predicted('spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n    -\n');
    expect(v).to.deep.equal({ 'web-db': 'allow', 'web-db-6000': 'allow', 'client-db': 'allow', 'db-web': 'allow' });
  });

  it('a null peer (`- ` alone under from) is an empty peer, which the API server rejects: exit 2 saying what to write', async () => {
    const p = await problems('spec:\n  podSelector: {}\n  ingress:\n    - from:\n        -\n      ports: [{port: 5432}]\n');
    expect(p).to.have.length(1);
    expect(p[0]).to.match(/^8:\d+: spec\.ingress\[0\]\.from\[0\]: empty peer/);
    expect(p[0]).to.contain('must specify a peer');
    expect(p[0]).to.contain('write podSelector, namespaceSelector or ipBlock');
    expect(p[0]).to.contain('leave out from');
  });

  it('an empty peer `{}` is refused the same way (the cluster would refuse the policy)', async () => {
    const p = await problems('spec:\n  podSelector: {}\n  egress:\n    - to: [{}]\n');
    expect(p).to.have.length(1);
    expect(p[0]).to.match(/^7:\d+: spec\.egress\[0\]\.to\[0\]: empty peer/);
    expect(p[0]).to.contain('leave out to');
  });

  it('`metadata.namespace:` with nothing takes the namespace as if it were absent', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite.replace('{shop: {}, other: {}}', '{shop: {}}').replace(/ {4}- \{name: client,.*\n/, '').replace(/ {4}- \{name: client-db.*\n/, ''));
    writeFileSync(join(dir, 'policy.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace:\n  labels:\n  annotations:\nspec: {podSelector: {}}\n');
    const s = await loadSuite(join(dir, 'suite.yaml'));
    expect(s.policies[0]!.namespace).to.equal('shop');
  });

  it('nulls in a policy with {{podIP}} placeholders (parsed again once pods have IPs) are absent too', async () => {
    const v = await predicted(
      'spec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n    -\n  egress:\n    - to:\n        - ipBlock:\n            cidr: "{{podIP shop/db}}/32"\n            except:\n      ports:\n        - port: 5432\n',
    );
    expect(v).to.deep.equal({ 'web-db': 'allow', 'web-db-6000': 'deny', 'client-db': 'allow', 'db-web': 'allow' });
  });

  it('a null matchLabels value is the empty string, as Go decodes it into map[string]string', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite);
    writeFileSync(join(dir, 'policy.yaml'), `${head}spec:\n  podSelector:\n    matchLabels:\n      tier:\n`);
    const s = await loadSuite(join(dir, 'suite.yaml'));
    expect(s.policies[0]!.policy.spec.podSelector).to.deep.equal({ matchLabels: { tier: '' } });
  });
});

describe('YAML nulls in the suite contract: null = absent', () => {
  const nullSuite = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata:
  name: t
  description:
  controls:
spec:
  podCIDR:
  serviceCIDR:
  clusterDNS:
  namespaces:
    shop:
      labels:
  pods:
    - name: web
      namespace: shop
      labels:
      ip:
      serve:
    - name: db
      namespace: shop
      labels: {app: db}
      serve:
        - port: 5432
          protocol:
          app:
          name:
  services:
  externals:
  policies:
  matrix:
  flows:
    - name: web reaches db
      from: shop/web
      to: shop/db
      port: 5432
      protocol:
      probe:
      controls:
      justification:
      expect: allow
`;

  it('loads a suite whose optional fields are written with nothing after them, with their defaults', async () => {
    writeFileSync(join(dir, 'suite.yaml'), nullSuite);
    const s = await loadSuite(join(dir, 'suite.yaml'));
    expect(s.podCIDR).to.equal('10.244.0.0/16');
    expect(s.namespaces.find((n) => n.name === 'shop')!.labels).to.deep.equal({ 'kubernetes.io/metadata.name': 'shop' });
    const web = s.pods.find((p) => p.name === 'web')!;
    expect([web.ip, web.labels, web.serve]).to.deep.equal([undefined, {}, []]);
    expect(s.pods.find((p) => p.name === 'db')!.serve).to.deep.equal([{ port: 5432, protocol: 'TCP', app: 'echo' }]);
    expect(s.policies).to.deep.equal([]);
    expect(s.services.map((v) => v.name)).to.deep.equal(['kube-dns']); // clusterDNS: null = absent = true
    const f = s.flows[0]!;
    expect(f).to.include({ protocol: 'TCP', probe: 'tcp' });
    expect(f.controls).to.deep.equal([]);
    expect(f.justification).to.equal(undefined);
  });

  it('suites/schema.json, what editors check, accepts the same nulls (also in an inline policy) and no others', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync('suites/schema.json', 'utf8')) as object);
    const withPolicy = nullSuite.replace(
      '  policies:\n',
      '  policies:\n    - file: p.yaml\n      namespace:\n    - apiVersion: networking.k8s.io/v1\n      kind: NetworkPolicy\n      metadata: {name: p, namespace:}\n      spec:\n        podSelector:\n        policyTypes:\n        ingress:\n          - from:\n            ports:\n',
    );
    for (const text of [nullSuite, withPolicy]) expect(validate(parse(text)), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate(parse(nullSuite.replace('  pods:\n', '  pods:\n    -\n'))), 'a null pod').to.equal(false);
  });

  it('a null where a value is required says what to write', async () => {
    writeFileSync(join(dir, 'suite.yaml'), 'apiVersion: flowproof/v1\nkind: ConnectivitySuite\nmetadata: {name: t}\nspec:\n  namespaces: {shop: {}}\n  pods:\n    -\n  flows:\n    - {name: f, from: shop/a, to: shop/b, port:, expect: allow}\n');
    let messages: string[] = [];
    try {
      await loadSuite(join(dir, 'suite.yaml'));
    } catch (err) {
      messages = (err as InputError).problems.map((p) => `${p.location.line}: ${p.message}`);
    }
    expect(messages).to.have.length(2);
    expect(messages[0]).to.match(/^7: spec\.pods\[0\] is empty: write a mapping here, or remove the line/);
    expect(messages[1]).to.match(/^9: missing field "port" in spec\.flows\[0\]/);
  });
});

describe('lint reads nulls as absent too', () => {
  const lint = (text: string) => lintPolicies(parsePolicyText('p.yaml', text).policies, { podCIDR: '10.244.0.0/16' }).map((f) => `${f.ruleId}:${f.severity}@${f.location.line}`);

  it('`- from:` with nothing and no ports is the allow-all rule; `namespace:` with nothing is no namespace', () => {
    const f = lint('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace:\nspec:\n  podSelector:\n  ingress:\n    - from:\n');
    expect(f).to.include.members(['allow-all:info@9', 'no-namespace:info@4']);
  });

  it('a null peer is an empty peer (error)', () => {
    const f = lint('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n    - from:\n        -\n');
    expect(f).to.include('empty-peer:error@8');
  });
});
