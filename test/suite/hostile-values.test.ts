// Values YAML can write but JSON cannot (issue 15): `.inf`, `.nan` and `1e400` are numbers
// that are not finite; a port written so says what was written ("got .inf"), never
// "got null". A `__proto__` key would vanish (or set a prototype) when the document becomes a
// JavaScript object: it is an unknown field at its line, in suites, policy files and lint.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';

const repo = new URL('../../', import.meta.url).pathname;

/** Lines 1-18; `%…%` markers are replaced by each case. */
const template = `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: values}
spec:
  namespaces: {shop: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}, serve: [{port: %SERVE%}]}
    - {name: db, namespace: shop, labels: {%DBLABELS%}, serve: [{port: 5432}]}
  services:
    - {name: db, namespace: shop, selector: {app: db}, ports: [{port: %SVCPORT%, targetPort: 5432}]}
  policies:
    - file: policy.yaml
  flows:
    - {name: f, from: shop/web, to: shop/db, port: %FLOWPORT%, expect: allow}
  matrix:
    - {name: m, from: [shop/web], to: [shop/db], ports: [%MATRIXPORT%], expect: allow}
`;
const policyTemplate = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  %SPEC%
  ingress: [{ports: [{port: %POLICYPORT%}]}]
`;
type Parts = Partial<Record<'SERVE' | 'DBLABELS' | 'SVCPORT' | 'FLOWPORT' | 'MATRIXPORT' | 'SPEC' | 'POLICYPORT', string>>;
const defaults: Required<Parts> = { SERVE: '80', DBLABELS: 'app: db', SVCPORT: '5432', FLOWPORT: '5432', MATRIXPORT: '5432', SPEC: 'policyTypes: [Ingress]', POLICYPORT: '5432' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-values-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(parts: Parts): string {
  const all = { ...defaults, ...parts };
  let suite = template;
  let policy = policyTemplate;
  for (const [k, v] of Object.entries(all)) {
    suite = suite.replace(`%${k}%`, v);
    policy = policy.replace(`%${k}%`, v);
  }
  writeFileSync(join(dir, 'suite.yaml'), suite);
  writeFileSync(join(dir, 'policy.yaml'), policy);
  return join(dir, 'suite.yaml');
}
async function problemsOf(file: string) {
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error(`${file} loaded without a problem`);
}

describe('non-finite numbers as ports', () => {
  it('the template loads as it is', async () => {
    expect((await loadSuite(write({}))).flows).to.have.length(2);
  });

  const cases: Array<[string, Parts, string, number, number, string]> = [
    ['a serve port .inf', { SERVE: '.inf' }, 'suite.yaml', 7, 71, 'spec.pods[0].serve[0].port: port must be a whole number from 1 to 65535, got .inf'],
    ['a Service port .nan', { SVCPORT: '.NaN' }, 'suite.yaml', 10, 71, 'spec.services[0].ports[0].port: port must be a whole number from 1 to 65535, got .NaN'],
    ['a flow port 1e400', { FLOWPORT: '1e400' }, 'suite.yaml', 14, 52, 'spec.flows[0].port: port must be a whole number from 1 to 65535, got 1e400'],
    ['a matrix port -.inf', { MATRIXPORT: '-.inf' }, 'suite.yaml', 16, 58, 'spec.matrix[0].ports[0]: port must be a whole number from 1 to 65535, got -.inf'],
    ['a policy port .inf', { POLICYPORT: '.inf' }, 'policy.yaml', 7, 29, 'spec.ingress[0].ports[0].port: port must be a whole number from 1 to 65535, got .inf'],
  ];
  for (const [what, parts, file, line, col, message] of cases) {
    it(`${what}: says what was written`, async () => {
      const problems = await problemsOf(write(parts));
      expect(problems, problems.map((p) => p.message).join('\n')).to.have.length(1);
      expect(problems[0].location).to.deep.equal({ file: join(dir, file), line, col });
      expect(problems[0].message).to.equal(message);
    });
  }
});

describe('__proto__ keys are unknown fields, never dropped', () => {
  it('as a pod label key', async () => {
    const problems = await problemsOf(write({ DBLABELS: 'app: db, __proto__: x' }));
    expect(problems).to.have.length(1);
    expect(problems[0].location).to.deep.equal({ file: join(dir, 'suite.yaml'), line: 8, col: 53 });
    expect(problems[0].message).to.contain('unknown field "__proto__"');
  });

  it('in a policy file spec (it used to vanish and the policy loaded)', async () => {
    const problems = await problemsOf(write({ SPEC: '__proto__: {policyTypes: [Egress]}' }));
    expect(problems).to.have.length(1);
    expect(problems[0].location).to.deep.equal({ file: join(dir, 'policy.yaml'), line: 6, col: 3 });
    expect(problems[0].message).to.contain('unknown field "__proto__"');
  });

  it('as a namespace name', async () => {
    const file = write({});
    writeFileSync(file, template.replace('namespaces: {shop: {}}', 'namespaces: {shop: {}, "__proto__": {}}').replace(/%(\w+)%/g, (_m, k: keyof Parts) => defaults[k]));
    const problems = await problemsOf(file);
    expect(problems).to.have.length(1);
    expect(problems[0].location).to.deep.include({ line: 5, col: 26 });
  });

  it('lint refuses a policy file with one', () => {
    write({ SPEC: '__proto__: {policyTypes: [Egress]}' });
    const r = spawnSync(process.execPath, ['bin/flowproof.js', 'lint', join(dir, 'policy.yaml')], { cwd: repo, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`${join(dir, 'policy.yaml')}:6:3: unknown field "__proto__"`);
  });
});
