// Issue 16's example: suites/tenant-guardrails.yaml (two tenants, monitoring, an ANP per tenant
// that denies cross-tenant traffic, always allows monitoring and passes own-tenant traffic to
// the tenant's NetworkPolicies, a BANP default deny) runs green on netns, and every record
// names the rule that decided, across the tiers, confirmed by the rule's packet counter.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { RunResult } from '../../lib/types.ts';
import { requireRoot } from '../helpers/env.ts';

const repo = new URL('../../', import.meta.url).pathname;

describe('suites/tenant-guardrails.yaml on netns (admin tiers end to end)', function () {
  this.timeout(240_000);
  let reports: string;
  let run: RunResult;
  before(async function () {
    requireRoot(this, 'a netns run');
    reports = mkdtempSync(join(tmpdir(), 'flowproof-guardrails-'));
    const r = await execa(process.execPath, ['bin/flowproof.js', 'run', 'suites/tenant-guardrails.yaml', '--reports', reports, '--json'], { cwd: repo, reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    run = JSON.parse(r.stdout) as RunResult;
  });
  after(() => reports && rmSync(reports, { recursive: true, force: true }));

  it('every flow passes', () => {
    expect(run.flows.map((f) => `${f.name}: ${f.verdict}`)).to.deep.equal(run.flows.map((f) => `${f.name}: pass`));
  });

  it('the records name the deciding rule in each tier', () => {
    const by = Object.fromEntries(run.flows.map((f) => [f.name, f.decidedBy]));
    expect(by['tenant-a web cannot reach tenant-b web']).to.equal('anp/tenant-b-guardrails ingress[2] (priority 11, Deny)');
    expect(by["monitoring scrapes tenant-a's database past its NetworkPolicy"]).to.equal('anp/tenant-a-guardrails ingress[0] (priority 10, Allow)');
    expect(by['tenant-a web reaches its database']).to.equal('anp/tenant-a-guardrails ingress[1] (priority 10, Pass) → netpol tenant-a/db-from-web ingress[0]');
    expect(by['tenant-b db cannot reach tenant-b web (no NetworkPolicy, baseline denies)']).to.equal('anp/tenant-b-guardrails ingress[1] (priority 11, Pass) → banp/default ingress[0] (Deny)');
    expect(by['monitoring cannot reach tenant-b web on 80']).to.equal('banp/default ingress[0] (Deny)');
  });

  it('each rule on a flow\'s predicted path counted packets on the wire', () => {
    for (const f of run.flows) {
      expect(f.wireCounts, f.name).to.be.an('object');
      expect(Object.keys(f.wireCounts!), f.name).to.deep.equal(f.rules);
      for (const [rule, n] of Object.entries(f.wireCounts!)) expect(n, `${f.name}: ${rule}`).to.be.greaterThan(0);
    }
  });

  it('the bundle keeps the admin policies as tested and the compliance report names the admin rules', () => {
    const bundle = join(reports, readdirSync(reports).find((d) => d.startsWith('tenant-guardrails-'))!);
    expect(readdirSync(join(bundle, 'policies', '_cluster')).sort()).to.deep.equal(['anp-tenant-a-guardrails.yaml', 'anp-tenant-b-guardrails.yaml', 'banp-default.yaml']);
    const html = readFileSync(join(bundle, 'index.html'), 'utf8');
    expect(html).to.include('anp/tenant-a-guardrails ingress[2] (priority 10, Deny)');
    expect(html).to.include('banp/default');
    const results = JSON.parse(readFileSync(join(bundle, 'results.json'), 'utf8')) as RunResult;
    expect(results.meta?.policies.filter((p) => p.kind).map((p) => `${p.kind}/${p.name}`)).to.deep.equal([
      'AdminNetworkPolicy/tenant-a-guardrails',
      'AdminNetworkPolicy/tenant-b-guardrails',
      'BaselineAdminNetworkPolicy/default',
    ]);
  });
});
