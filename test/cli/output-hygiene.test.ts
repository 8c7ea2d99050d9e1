// Issue 15: errors and the human outputs of the other commands go through the same output
// boundary as run and plan: a flow name carrying a secret and terminal controls, in an error
// message (exit 2) and in `coverage`, reaches stderr and stdout scrubbed and with the
// controls made visible.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';

const repo = new URL('../../', import.meta.url).pathname;
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const name = 'db password=hunter2-planted \u001b]0;pwned\u0007\u001b[2J\u202eevil';

const suite = (to: string) => `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: hygiene}
spec:
  namespaces:
    shop: {}
  pods:
    - {name: client, namespace: shop, labels: {app: client}}
    - {name: db, namespace: shop, labels: {app: db}, serve: [{port: 5432, protocol: TCP, app: postgres}]}
  policies:
    - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: db, namespace: shop}, spec: {podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 5432}]}]}}
  flows:
    - {name: ${JSON.stringify(name)}, from: shop/client, to: ${to}, port: 5432, expect: allow}
`;

describe('cli: errors and other commands print through the output boundary', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-hygiene-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an input error naming the flow (exit 2): scrubbed, no raw control character', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, suite('shop/nope'));
    const r = await execa(process.execPath, ['bin/flowproof.js', 'validate', file], { cwd: repo, reject: false });
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.include('unknown pod shop/nope');
    expect(r.stderr).to.not.include('hunter2-planted');
    expect(RAW.test(r.stderr), JSON.stringify(r.stderr)).to.equal(false);
  });

  it('lint: an input it cannot lint, as text and as JSON', async () => {
    const file = join(dir, 'bad-lint.yaml');
    writeFileSync(file, suite('shop/nope'));
    for (const args of [[], ['--json']]) {
      const r = await execa(process.execPath, ['bin/flowproof.js', 'lint', file, ...args], { cwd: repo, reject: false });
      expect(r.exitCode).to.equal(2);
      expect(r.stdout + r.stderr).to.include('unknown pod shop/nope');
      expect(r.stdout + r.stderr).to.not.include('hunter2-planted');
      expect(RAW.test(r.stdout + r.stderr), JSON.stringify(r.stdout + r.stderr)).to.equal(false);
    }
  });

  it('coverage, as a table and as JSON', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, suite('shop/db'));
    for (const args of [[], ['--json']]) {
      const r = await execa(process.execPath, ['bin/flowproof.js', 'coverage', file, ...args], { cwd: repo, reject: false });
      expect(r.stdout + r.stderr).to.include('db password=');
      expect(r.stdout + r.stderr).to.not.include('hunter2-planted');
      expect(RAW.test(r.stdout + r.stderr), JSON.stringify(r.stdout)).to.equal(false);
    }
  });
});
