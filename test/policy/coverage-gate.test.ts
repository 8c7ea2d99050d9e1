// `coverage --min <percent>` through the real CLI (issue 17 item 3): the share of rule items
// exercised and boundary probed, per suite; below the threshold exit 1 with every item not
// covered at its policy file:line:col and what it lacks; at or above it exit 0 with the
// figure; a bad threshold is bad input (exit 2). The fixture has three items, two covered.
import { expect } from 'chai';
import { execa } from 'execa';
import { join } from 'node:path';

const cli = join(process.cwd(), 'bin', 'flowproof.js');
const suite = 'test/fixtures/coverage/gate.suite.yaml';
const policies = 'test/fixtures/coverage/gate-policies.yaml';

async function flowproof(...args: string[]) {
  return execa('node', [cli, ...args], { reject: false });
}

interface GateJson {
  suite: string;
  covered: number;
  percent: number;
  min?: number;
  pass?: boolean;
  items: Array<{ rule: string; flows: string[]; boundaryFlows: string[]; noBoundary?: boolean; covered: boolean; location?: { file: string; line: number; col?: number } }>;
  uncoveredItems: Array<{ rule: string; location?: { file: string; line: number; col?: number } }>;
}

describe('coverage --min', function () {
  this.timeout(60_000);

  it('the table shows both parts of each item and the figure', async () => {
    const r = await flowproof('coverage', suite);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^suite coverage-gate: 3\/3 rule items exercised; 2\/3 covered \(exercised and boundary probed\): 66\.66%$/m);
    expect(r.stdout).to.contain('✓ exercised, ✓ boundary: shop/db-from-api ingress[0] from[0] (podSelector app=api) port 5432/TCP: "api reaches db"; boundary: "other cannot reach db"');
    expect(r.stdout).to.contain('✓ exercised, ✗ no boundary flow: shop/web-from-api ingress[0] from[0] (podSelector app=api) port 80/TCP: "api reaches web"');
    expect(r.stdout).to.contain('✓ exercised, – no boundary (it matches every peer and port): shop/api-open ingress[0] from anywhere any port: "web reaches api"');
    expect(r.stdout).to.not.match(/--min/);
  });

  it('at the threshold: exit 0 and the figure', async () => {
    const r = await flowproof('coverage', suite, '--min', '66.66');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('coverage 66.66% meets --min 66.66%: 2/3 rule items exercised and boundary probed');
    expect(r.stdout).to.not.contain('not covered');
  });

  it('below it: exit 1 and each item not covered at its policy file:line:col, with what it lacks', async () => {
    const r = await flowproof('coverage', suite, '--min', '66.67');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.contain('coverage 66.66% is below --min 66.67%: 2/3 rule items exercised and boundary probed; not covered');
    const listed = r.stdout.split('\n').filter((l) => /^ {2}\S+:\d+:\d+: /.test(l));
    expect(listed).to.deep.equal([`  ${policies}:28:11: shop/web-from-api ingress[0] from[0] (podSelector app=api) port 80/TCP: no boundary flow`]);
  });

  it('an item neither exercised nor probed says both, at its line in a multi-document admin policy file', async () => {
    const r = await flowproof('coverage', 'test/fixtures/lint/guardrails.suite.yaml', '--min', '50');
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.contain(
      '  test/fixtures/lint/guardrails-admin.yaml:46:11: anp/tenant-b-guardrails ingress[0] (priority 11, Allow) from[0] (namespaces role=monitoring) port 9090/TCP: not exercised, no boundary flow',
    );
    // An inline policy of the suite: its line in the suite file.
    expect(r.stdout).to.contain('  test/fixtures/lint/guardrails.suite.yaml:30:20: tenant-a/web-from-tenant ingress[0] from[0] (podSelector {} (all)) port 80/TCP: not exercised, no boundary flow');
  });

  it('--json: {percent, min, pass} beside the items, each with its location', async () => {
    const below = await flowproof('coverage', suite, '--min', '100', '--json');
    expect(below.exitCode).to.equal(1);
    const report = JSON.parse(below.stdout) as GateJson;
    expect(report).to.include({ suite: 'coverage-gate', covered: 2, percent: 66.66, min: 100, pass: false });
    expect(report.uncoveredItems.map((i) => [i.rule, i.location])).to.deep.equal([['shop/web-from-api ingress[0]', { file: policies, line: 28, col: 11 }]]);
    expect(report.items.find((i) => i.rule === 'shop/api-open ingress[0]')).to.deep.include({ noBoundary: true, covered: true, location: { file: suite, line: 27, col: 13 } });
    const at = JSON.parse((await flowproof('coverage', suite, '--min', '60', '--json')).stdout) as GateJson;
    expect(at).to.include({ percent: 66.66, min: 60, pass: true });
    const none = JSON.parse((await flowproof('coverage', suite, '--json')).stdout) as GateJson;
    expect(none.percent).to.equal(66.66);
    expect(none).to.not.have.any.keys('min', 'pass');
  });

  it('per suite: one suite below its threshold fails the command', async () => {
    const r = await flowproof('coverage', suite, 'test/fixtures/lint/guardrails.suite.yaml', '--min', '50');
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.contain('coverage 66.66% meets --min 50%');
    expect(r.stdout).to.contain('coverage 0% is below --min 50%');
  });

  for (const bad of ['101', 'abc', '80%', '1e2', '50.123', '']) {
    it(`--min "${bad}": exit 2 with the reason, nothing on stdout`, async () => {
      const r = await flowproof('coverage', suite, '--min', bad);
      expect(r.exitCode, r.stdout).to.equal(2);
      expect(r.stderr).to.contain(`--min must be a percentage from 0 to 100 (at most two decimals, no % sign), got "${bad}"`);
      expect(r.stdout).to.equal('');
    });
  }
});
