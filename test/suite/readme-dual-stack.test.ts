// The README's dual-stack suite (the yaml block with spec.ipFamilies) validates and plans:
// every declaration kept by its policies, one record per family with the family suffix.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { RunResult } from '../../lib/types.ts';

describe('the README dual-stack example suite', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    const readme = readFileSync('README.md', 'utf8');
    const yaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((y) => y.includes('ipFamilies:'));
    expect(yaml, 'a yaml block with ipFamilies in README.md').to.be.a('string');
    dir = mkdtempSync(join(tmpdir(), 'flowproof-readme-dual-'));
    writeFileSync(join(dir, 'dual.yaml'), yaml as string);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('plans with every declaration kept, a record per family (exit 0)', async () => {
    const r = await execa('node', ['bin/flowproof.js', 'plan', join(dir, 'dual.yaml'), '--json'], { reject: false });
    expect(r.exitCode, r.stderr + r.stdout).to.equal(0);
    const plan = JSON.parse(r.stdout) as RunResult;
    expect(plan.flows.map((f) => [f.name, f.family, f.verdict])).to.deep.equal([
      ['api-gateway reaches postgres [IPv4]', 'IPv4', 'pass'],
      ['api-gateway reaches postgres [IPv6]', 'IPv6', 'pass'],
      ['api-gateway calls the trunk over IPv6 [IPv6]', 'IPv6', 'pass'],
      ['postgres cannot call out [IPv6]', 'IPv6', 'pass'],
    ]);
    expect(plan.flows[1]!.destination.ip).to.match(/^fd00:10:96::/);
  });
});
