// Port names (issue 12, item 2): each rule where the API server applies it. A Service port
// name is a DNS-1123 label (`kubectl create service clusterip x --tcp 8001:8000` names the
// port "8001-8000"); a container port name (serve[].name), a named targetPort and a named
// port in a NetworkPolicy are IANA_SVC_NAMEs (1-15 characters, at least one letter, no "--").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { planSuite } from '../../lib/plan/prepare.ts';
import { loadSuite } from '../../lib/suite/load.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-portnames-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const suite = (o: { servicePort?: string; serveName?: string; targetPort?: string; policyPort?: string; flowPort?: string; matrixPort?: string }) => `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: ports}
spec:
  namespaces: {shop: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}}
    - {name: api, namespace: shop, labels: {app: api}, serve: [{port: 8000, name: ${o.serveName ?? 'http'}}]}
  services:
    - name: x
      namespace: shop
      selector: {app: api}
      ports: [{name: ${o.servicePort ?? 'web'}, port: 8001, targetPort: ${o.targetPort ?? 8000}}]
  policies:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: api, namespace: shop}
      spec:
        podSelector: {matchLabels: {app: api}}
        ingress: [{ports: [{port: ${o.policyPort ?? 8000}}]}]
  flows:
    - {name: web reaches x, from: shop/web, to: svc:shop/x, port: ${o.flowPort ?? 8001}, expect: allow}
  matrix:
    - {name: m, from: [shop/web], to: [svc:shop/x], ports: [${o.matrixPort ?? 8001}], expect: allow}
`;

async function load(text: string) {
  writeFileSync(join(dir, 'suite.yaml'), text);
  return loadSuite(join(dir, 'suite.yaml'));
}
async function problems(text: string): Promise<string[]> {
  try {
    await load(text);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems.map((p) => p.message);
  }
  throw new Error('the suite loaded without a problem');
}

describe('port names: the DNS-1123 label rule for Service ports, IANA_SVC_NAME for container ports', () => {
  it('a Service port named "8001-8000" (kubectl create service clusterip x --tcp 8001:8000) loads, and flows and matrix ports may name it', async () => {
    const s = await load(suite({ servicePort: '8001-8000', flowPort: '8001-8000', matrixPort: '"8001-8000/TCP"' }));
    expect(s.services.find((v) => v.name === 'x')!.ports[0]).to.include({ name: '8001-8000', port: 8001, targetPort: 8000 });
    const plan = planSuite(s);
    expect(plan.planned.map((i) => [i.resolved.flow.port, i.resolved.dialPort, i.resolved.backendPort, i.prediction.verdict])).to.deep.equal([
      ['8001-8000', 8001, 8000, 'allow'],
      ['8001-8000', 8001, 8000, 'allow'],
    ]);
  });

  it('Service port names may be longer than 15 characters (a DNS-1123 label: up to 63)', async () => {
    const s = await load(suite({ servicePort: 'postgres-primary-replication', flowPort: 'postgres-primary-replication' }));
    expect(s.flows[0]!.port).to.equal('postgres-primary-replication');
  });

  it('a Service port name that is not a DNS-1123 label is refused, saying what a Service port name is', async () => {
    const [p, ...rest] = await problems(suite({ servicePort: 'Web_1' }));
    expect(rest).to.deep.equal([]);
    expect(p).to.contain('"Web_1" is not a Service port name');
    expect(p).to.contain('DNS-1123 label');
  });

  it('a container port name needs a letter: serve[].name "8001-8000" is refused with the IANA rule', async () => {
    const [p, ...rest] = await problems(suite({ serveName: '8001-8000' }));
    expect(rest).to.deep.equal([]);
    expect(p).to.contain('"8001-8000" is not a container port name');
    expect(p).to.contain('at least one letter');
  });

  it('a container port name with "--" is refused (IANA_SVC_NAME), in serve, targetPort and policy ports', async () => {
    expect((await problems(suite({ serveName: 'http--alt' })))[0]).to.contain('"http--alt" is not a container port name');
    expect((await problems(suite({ targetPort: 'http--alt' })))[0]).to.contain('"http--alt" is not a container port name');
    expect((await problems(suite({ policyPort: 'http--alt' })))[0]).to.contain('"http--alt" is not a container port name');
  });

  it('a named targetPort refers to a container port, so "8001-8000" is refused there', async () => {
    expect((await problems(suite({ targetPort: '8001-8000' })))[0]).to.contain('"8001-8000" is not a container port name');
  });
});
