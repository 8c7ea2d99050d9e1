// The author's note vs flowproof's explanation (issue 12, item 6): the suite's note on a
// flow is `justification` (the former name `reason` is still read), and every output keeps
// it under that name, apart from flowproof's own `reason`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import * as scaffoldCommand from '../../lib/commands/scaffold.ts';
import { InputError } from '../../lib/errors.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { RunResult } from '../../lib/types.ts';
import { runCommand } from '../policy/run-command.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowproof-justification-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const suite = (extra = '') => `apiVersion: flowproof/v1
kind: ConnectivitySuite
metadata: {name: notes}
spec:
  namespaces: {shop: {}}
  pods:
    - {name: web, namespace: shop, labels: {app: web}}
    - {name: db, namespace: shop, labels: {app: db}, serve: [{port: 5432, app: postgres}, {port: 6000}]}
  policies:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: db, namespace: shop}
      spec:
        podSelector: {matchLabels: {app: db}}
        ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]
  flows:
    - name: web reaches db
      from: shop/web
      to: shop/db
      port: 5432
      expect: allow
      justification: TICKET-1 the shop stores orders
    - name: old spelling
      from: shop/web
      to: shop/db
      port: 5432
      expect: allow
      reason: TICKET-2 written before the rename
    - {name: db reaches web, from: shop/db, to: shop/web, port: 80, expect: allow}
  matrix:
    - name: m
      from: [shop/web]
      to: [shop/db]
      ports: [5432, 6000]
      expect: deny
      justification: TICKET-3 only postgres
      except:
        - {port: 5432, expect: allow, justification: TICKET-4 postgres}
${extra}`;

const run = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/flowproof.js', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('justification: the author\'s note, apart from flowproof\'s reason', function () {
  this.timeout(30_000);

  it('the loader reads justification (and the former name reason) onto the flow', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite());
    const s = await loadSuite(join(dir, 'suite.yaml'));
    const note = (name: string) => s.flows.find((f) => f.name === name)!.justification;
    expect(note('web reaches db')).to.equal('TICKET-1 the shop stores orders');
    expect(note('old spelling')).to.equal('TICKET-2 written before the rename');
    expect(note('db reaches web')).to.equal(undefined);
    expect(note('m: shop/web -> shop/db 6000/TCP')).to.equal('TICKET-3 only postgres');
    expect(note('m: shop/web -> shop/db 5432/TCP')).to.equal('TICKET-4 postgres');
  });

  it('writing both names on one flow is an error that says which to keep', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite().replace('      justification: TICKET-1 the shop stores orders\n', '      justification: TICKET-1 the shop stores orders\n      reason: also\n'));
    try {
      await loadSuite(join(dir, 'suite.yaml'));
      expect.fail('loaded');
    } catch (err) {
      expect(err).to.be.instanceOf(InputError);
      const [p, ...rest] = (err as InputError).problems;
      expect(rest).to.deep.equal([]);
      expect(p!.location.line).to.equal(23);
      expect(p!.message).to.contain('write justification only');
    }
  });

  it('plan --json keeps the author\'s text as justification and flowproof\'s explanation as reason', async () => {
    writeFileSync(join(dir, 'suite.yaml'), suite());
    const r = await cli('plan', join(dir, 'suite.yaml'), '--json');
    expect(r.code, r.stderr).to.equal(0);
    const flows = new Map((JSON.parse(r.stdout) as RunResult).flows.map((f) => [f.name, f]));
    const web = flows.get('web reaches db')!;
    expect(web.justification).to.equal('TICKET-1 the shop stores orders');
    expect(web.reason).to.match(/shop\/db ingress\[0\]|allowed/);
    expect(web.reason).not.to.contain('TICKET');
    expect(flows.get('old spelling')!.justification).to.equal('TICKET-2 written before the rename');
    expect(flows.get('db reaches web')).not.to.have.property('justification');
  });

  it('scaffold writes its note as justification', async () => {
    const policy = join(dir, 'p.yaml');
    writeFileSync(policy, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]\n');
    const out = join(dir, 'scaffold.yaml');
    const r = await runCommand(scaffoldCommand, ['scaffold', policy, '-o', out]);
    expect(r.code, r.stderr).to.equal(0);
    const text = readFileSync(out, 'utf8');
    expect(text).to.match(/\n\s+justification: "?policies: /);
    expect(text).not.to.match(/\n\s+reason:/);
  });
});
