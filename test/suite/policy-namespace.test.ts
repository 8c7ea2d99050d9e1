// Policies without metadata.namespace in a multi-namespace suite (issue 12, item 4): the
// suite may give the namespace beside the file (`policies: [{file: x.yaml, namespace: shop}]`),
// as `kubectl apply -n shop -f x.yaml` does; a document whose own namespace disagrees is
// refused as kubectl refuses it, and without either the error says how to give one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { planSuite } from '../../lib/plan/prepare.ts';
import { loadSuite } from '../../lib/suite/load.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-policyns-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const suite = (entry: string) => `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: ns}
spec:
  namespaces: {shop: {}, billing: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}, serve: [{port: 80}]}
    - {name: pay, namespace: billing, labels: {app: pay}, serve: [{port: 80}]}
  policies:
    - ${entry}
  flows:
    - {name: pay to web, from: billing/pay, to: shop/web, port: 80, expect: deny}
    - {name: web to pay, from: shop/web, to: billing/pay, port: 80, expect: allow}
`;
const denyAll = (ns = '') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all${ns ? `\n  namespace: ${ns}` : ''}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-own-namespace
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
`;

async function problems(): Promise<Array<{ file: string; line: number; message: string }>> {
  try {
    await loadSuite(join(dir, 'suite.yaml'));
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems.map((p) => ({ file: p.location.file, line: p.location.line, message: p.message }));
  }
  throw new Error('the suite loaded without a problem');
}

describe('policy files without metadata.namespace: the namespace the suite gives the file', () => {
  it('`{file, namespace}` puts every document without a namespace there, as kubectl apply -n does', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite('{file: deny.yaml, namespace: shop}'));
    writeFileSync(join(dir, 'deny.yaml'), denyAll());
    const s = await loadSuite(join(dir, 'suite.yaml'));
    expect(s.policies.map((p) => `${p.namespace}/${p.policy.metadata.name}`)).to.deep.equal(['shop/deny-all', 'shop/allow-own-namespace']);
    expect(s.policies.every((p) => p.policy.metadata.namespace === 'shop')).to.equal(true);
    const plan = planSuite(s);
    expect(plan.planned.map((i) => i.prediction.verdict)).to.deep.equal(['deny', 'allow']);
  });

  it('a document that names the same namespace is fine', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite('{file: deny.yaml, namespace: shop}'));
    writeFileSync(join(dir, 'deny.yaml'), denyAll('shop'));
    expect((await loadSuite(join(dir, 'suite.yaml'))).policies).to.have.length(2);
  });

  it('a document whose metadata.namespace disagrees is refused, as kubectl refuses it, at that line', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite('{file: deny.yaml, namespace: billing}'));
    writeFileSync(join(dir, 'deny.yaml'), denyAll('shop'));
    const p = await problems();
    expect(p).to.have.length(1);
    expect(p[0]).to.include({ file: join(dir, 'deny.yaml'), line: 5 });
    expect(p[0]!.message).to.contain('policy deny-all: metadata.namespace "shop" does not match namespace "billing"');
    expect(p[0]!.message).to.contain('the namespace from the provided object does not match the namespace sent on the request');
  });

  it('a namespace the suite does not declare is refused at the entry', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite('{file: deny.yaml, namespace: payments}'));
    writeFileSync(join(dir, 'deny.yaml'), denyAll());
    const p = await problems();
    expect(p).to.have.length(1);
    expect(p[0]).to.include({ file: join(dir, 'suite.yaml'), line: 10 });
    expect(p[0]!.message).to.contain('namespace "payments" is not declared in the suite');
  });

  it('without any namespace, the error says both ways to give one', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite('{file: deny.yaml}'));
    writeFileSync(join(dir, 'deny.yaml'), denyAll());
    const p = await problems();
    expect(p.map((x) => x.line)).to.deep.equal([4, 11]);
    expect(p[0]!.message).to.contain('policy deny-all has no metadata.namespace and the suite declares 2 namespaces');
    expect(p[0]!.message).to.contain('write metadata.namespace in the policy, or namespace: <ns> beside file: in spec.policies');
  });
});
