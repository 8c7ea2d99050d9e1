// The suite on the README's first screen must be a suite that validates and whose
// declarations the policies actually keep: a user's first copy-paste must work.
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

describe('the README example suite', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    const readme = readFileSync('README.md', 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml, 'a yaml block in README.md').to.be.a('string');
    dir = mkdtempSync(join(tmpdir(), 'flowproof-readme-'));
    writeFileSync(join(dir, 'example.yaml'), yaml as string);
    // The example's paths are relative to suites/; a copy, as a symlink out of the suite's tree is refused.
    cpSync('suites/policies', join(dir, 'policies'), { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('plans with every declaration kept by the policies (exit 0)', async () => {
    const r = await execa('node', ['bin/flowproof.js', 'plan', join(dir, 'example.yaml'), '--json'], { reject: false });
    expect(r.exitCode, r.stderr + r.stdout).to.equal(0);
    const plan = JSON.parse(r.stdout) as { flows: Array<{ verdict: string }> };
    expect(plan.flows).to.have.length.greaterThan(1);
    expect(plan.flows.every((f) => f.verdict === 'pass')).to.equal(true);
  });
});
