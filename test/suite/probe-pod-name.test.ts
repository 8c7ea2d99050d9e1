// Issue 15: "a declared pod named `probe-<hash>` silently replaces a selector's probe pod".
// A `{namespace, labels}` source gets a probe-only pod named probe-<8 hex> from its selector;
// a declared pod of that very name is exit 2 at its name, never silently used instead.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import { probePodName } from '../../lib/suite/refs.ts';

const suite = (podName: string) => `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: probe-pod-name}
spec:
  namespaces:
    shop: {}
  pods:
    - name: ${podName}
      namespace: shop
      labels: {app: admin}
      serve: [{port: 8080, protocol: TCP, app: http}]
    - {name: web, namespace: shop, labels: {app: web}, serve: [{port: 8080, protocol: TCP, app: http}]}
  flows:
    - {name: frontends reach web, from: {namespace: shop, labels: {app: frontend}}, to: shop/web, port: 8080, expect: allow}
    - {name: frontends reach web again, from: {namespace: shop, labels: {app: frontend}}, to: shop/web, port: 8080, expect: allow}
`;

describe('suite: the probe pod of a selector source has a name of its own', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-probe-pod-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a declared pod named like the probe pod: exit 2 at its name', async () => {
    const taken = probePodName('shop', { app: 'frontend' });
    const file = join(dir, 'clash.yaml');
    writeFileSync(file, suite(taken));
    let err: unknown;
    try {
      await loadSuite(file);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems).to.have.length(1);
    expect(problems[0]!.location).to.deep.include({ file, line: 8 });
    expect(problems[0]!.message).to.match(new RegExp(`pod shop/${taken} has the name flowproof gives the probe pod of the source \\{namespace: shop, labels: \\{app: frontend\\}\\} \\(line 14\\): rename the pod`));
  });

  it('without the clash the selector gets its own probe-only pod with its labels', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, suite('admin'));
    const loaded = await loadSuite(file);
    const probe = loaded.pods.find((p) => p.name === probePodName('shop', { app: 'frontend' }))!;
    expect(probe).to.deep.include({ probeOnly: true, labels: { app: 'frontend' }, serve: [] });
  });
});
