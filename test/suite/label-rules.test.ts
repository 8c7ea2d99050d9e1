// Label keys and values follow Kubernetes' rules (issue 15), as the API server validates them
// (apimachinery IsQualifiedName, IsValidLabelValue): a key is an optional DNS-1123 subdomain
// prefix (at most 253 characters) and "/", then a name of at most 63 letters, digits, "-",
// "_" or ".", starting and ending with a letter or digit; a value is empty or such a name.
// In a suite's namespaces, pods, Service selectors and flow selectors, and in policies'
// labels and selectors: exit 2 at the key or the value, before anything is touched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';

/** Lines 1-22; `%NS%`, `%POD%`, `%SVC%`, `%FROM%` and `%POLICY%` are replaced by each case. */
const template = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: labels}
spec:
  namespaces:
    shop: {labels: {%NS%}}
  pods:
    - name: web
      namespace: shop
      labels: {%POD%}
      serve: [{port: 80}]
  services:
    - {name: web, namespace: shop, selector: {%SVC%}, ports: [{port: 80}]}
  policies:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: p, namespace: shop}
      spec:
        podSelector: {%POLICY%}
        ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
  flows:
    - {name: f, from: {namespace: shop, labels: {%FROM%}}, to: shop/web, port: 80, expect: allow}
`;
const fill = (parts: Partial<Record<'NS' | 'POD' | 'SVC' | 'FROM' | 'POLICY', string>>) =>
  template
    .replace('%NS%', parts.NS ?? 'env: prod')
    .replace('%POD%', parts.POD ?? 'app: web')
    .replace('%SVC%', parts.SVC ?? 'app: web')
    .replace('%FROM%', parts.FROM ?? 'app: client')
    .replace('%POLICY%', parts.POLICY ?? 'matchLabels: {app: web}');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-labels-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function load(text: string) {
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, text);
  return loadSuite(file);
}
async function problemsOf(text: string) {
  try {
    await load(text);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error('loaded without a problem');
}

const long = (n: number) => 'a'.repeat(n);

describe('Kubernetes label rules', () => {
  it('accepts what the API server accepts: prefixes, mixed case, "_" and ".", empty values, 63-character names', async () => {
    const suite = await load(
      fill({
        NS: '"team.example.com/tier": Back_End.1',
        POD: `app: web, "app.kubernetes.io/name": web, Version: "", ${long(63)}: ${long(63)}, "${long(253 - 4)}.com/x": y`,
        POLICY: 'matchExpressions: [{key: "app.kubernetes.io/name", operator: In, values: [web, A.b_c-1]}]',
      }),
    );
    expect(suite.pods.find((p) => p.name === 'web')!.labels).to.include({ 'app.kubernetes.io/name': 'web', Version: '' });
  });

  const cases: Array<{ what: string; parts: Parameters<typeof fill>[0]; line: number; col: number; message: string }> = [
    { what: 'a namespace label key starting with "-"', parts: { NS: '"-bad": x' }, line: 6, col: 21, message: 'spec.namespaces.shop.labels: label key "-bad" is not valid in Kubernetes: its name part must be' },
    { what: 'a pod label value with a space', parts: { POD: 'app: "my app"' }, line: 10, col: 21, message: 'spec.pods[0].labels.app: label value "my app" is not valid in Kubernetes: it must be empty or' },
    { what: 'a pod label key with two "/"', parts: { POD: 'a/b/c: x' }, line: 10, col: 16, message: 'label key "a/b/c" is not valid in Kubernetes: it has more than one "/"' },
    { what: 'a pod label key of 64 characters', parts: { POD: `${long(64)}: x` }, line: 10, col: 16, message: 'its name part is longer than 63 characters' },
    { what: 'a label key with an uppercase prefix', parts: { POD: '"Example.com/app": x' }, line: 10, col: 16, message: 'its prefix "Example.com" is not a DNS-1123 subdomain' },
    { what: 'a label key with an empty prefix', parts: { POD: '"/app": x' }, line: 10, col: 16, message: 'its prefix (before "/") is empty' },
    { what: 'a label value of 64 characters', parts: { POD: `app: ${long(64)}` }, line: 10, col: 21, message: 'label value "aaaa' },
    { what: 'a Service selector value ending in "-"', parts: { SVC: 'app: web-' }, line: 13, col: 52, message: 'spec.services[0].selector.app: label value "web-" is not valid' },
    { what: 'a flow selector key with a space', parts: { FROM: '"my app": client' }, line: 22, col: 50, message: 'label key "my app" is not valid' },
    { what: 'a policy matchLabels key', parts: { POLICY: 'matchLabels: {"app!": web}' }, line: 19, col: 37, message: 'label key "app!" is not valid' },
    { what: 'a policy matchExpressions key', parts: { POLICY: 'matchExpressions: [{key: "a/b/c", operator: Exists}]' }, line: 19, col: 48, message: 'spec.policies[0].spec.podSelector.matchExpressions[0].key: label key "a/b/c" is not valid' },
    { what: 'a policy matchExpressions value', parts: { POLICY: 'matchExpressions: [{key: app, operator: In, values: [ok, "not ok"]}]' }, line: 19, col: 80, message: 'matchExpressions[0].values[1]: label value "not ok" is not valid' },
  ];
  for (const c of cases) {
    it(`refuses ${c.what} at its line and column`, async () => {
      const problems = await problemsOf(fill(c.parts));
      expect(problems, problems.map((p) => `${p.location.line}:${p.location.col}: ${p.message}`).join('\n')).to.have.length(1);
      expect(problems[0].location).to.deep.include({ line: c.line, col: c.col });
      expect(problems[0].message).to.contain(c.message);
    });
  }

  it('checks the labels of a policy file too', async () => {
    writeFileSync(
      join(dir, 'p.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: q\n  namespace: shop\n  labels: {"team/": x}\nspec: {podSelector: {}}\n',
    );
    const problems = await problemsOf(fill({}).replace('  policies:\n', '  policies:\n    - file: p.yaml\n'));
    expect(problems).to.have.length(1);
    expect(problems[0].location).to.deep.include({ file: join(dir, 'p.yaml'), line: 6, col: 12 });
    expect(problems[0].message).to.contain('label key "team/" is not valid in Kubernetes: its name part is empty');
  });
});
