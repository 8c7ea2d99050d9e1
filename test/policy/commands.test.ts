// scaffold → (loader validates) → plan agrees; a flipped expectation makes plan exit 1;
// coverage lists the flows per rule item. Real files in a temporary directory.
import { expect } from 'chai';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as coverageCommand from '../../lib/commands/coverage.ts';
import * as planCommand from '../../lib/commands/plan.ts';
import * as scaffoldCommand from '../../lib/commands/scaffold.ts';
import type { RunResult } from '../../lib/types.ts';
import { runCommand } from './run-command.ts';

const seeds = ['seed004-vsphere-provider.yaml', 'seed004-provider-ingress.yaml', 'seed004-provider-egress.yaml', 'seed004-deny-cross-tenant.yaml'];

describe('scaffold, plan and coverage commands', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowproof-policy-'));
    // Beside the suites scaffold writes: a suite's policy files must be inside its directory tree (or repository).
    for (const seed of seeds) copyFileSync(`test/fixtures/policy/${seed}`, join(dir, seed));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const seed of seeds) {
    it(`scaffold of ${seed} validates and plan agrees with it`, async () => {
      const out = join(dir, seed.replace('.yaml', '.suite.yaml'));
      const s = await runCommand(scaffoldCommand, ['scaffold', join(dir, seed), '-o', out]);
      expect(s.code, s.stderr).to.equal(0);
      const p = await runCommand(planCommand, ['plan', out, '--json']);
      expect(p.code, p.stdout + p.stderr).to.equal(0);
      const result = JSON.parse(p.stdout) as RunResult;
      expect(result.flows.length).to.be.greaterThan(2);
      expect(result.summary.fail).to.equal(0);
      expect(result.flows.some((f) => f.expect === 'allow')).to.equal(true);
      expect(result.flows.some((f) => f.expect === 'deny')).to.equal(true);
    });
  }

  it('plan exits 1 and names the contradiction when an expectation is wrong', async () => {
    const out = join(dir, 'flipped.suite.yaml');
    await runCommand(scaffoldCommand, ['scaffold', join(dir, 'seed004-vsphere-provider.yaml'), '-o', out]);
    const text = readFileSync(out, 'utf8');
    writeFileSync(out, text.replace('expect: allow', 'expect: deny'));
    const p = await runCommand(planCommand, ['plan', out, '--json']);
    expect(p.code).to.equal(1);
    const result = JSON.parse(p.stdout) as RunResult;
    const failed = result.flows.filter((f) => f.verdict === 'fail');
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({ expect: 'deny', predicted: 'allow', decidedBy: 'vsphere-providers/vsphere-provider-policy ingress[0]' });
    expect(failed[0]).to.not.have.property('observed');
    expect(result).to.include.keys('suite', 'provider', 'startedAt', 'finishedAt', 'summary', 'flows');
    const table = await runCommand(planCommand, ['plan', out]);
    expect(table.stdout).to.match(/FAIL\s+vsphere-providers\/vsphere-provider-policy ingress\[0\]/);
  });

  it('coverage lists the flows of each rule item and the items no flow exercises', async () => {
    const out = join(dir, 'cov.suite.yaml');
    await runCommand(scaffoldCommand, ['scaffold', join(dir, 'seed004-provider-egress.yaml'), '-o', out]);
    // Drop every flow of egress[1]: its rule item must show up as unexercised.
    const text = readFileSync(out, 'utf8').replace(/    - name: "provider-namespace\/provider-egress egress\[1\][\s\S]*?(?=    - name:)/, '');
    writeFileSync(out, text);
    const c = await runCommand(coverageCommand, ['coverage', out, '--json']);
    const report = JSON.parse(c.stdout) as { items: Array<{ rule: string; flows: string[] }> };
    expect(report.items.filter((i) => i.flows.length === 0).map((i) => i.rule)).to.deep.equal(['provider-namespace/provider-egress egress[1]']);
    const dns = report.items.find((i) => i.rule === 'provider-namespace/provider-egress egress[0]')!;
    expect(dns.flows.length).to.be.greaterThan(0);
  });
});
