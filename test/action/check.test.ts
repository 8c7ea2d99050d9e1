// The GitHub Action's check mode, run locally as the action runs it (scripts/action-check.sh in
// a git repository made in a temp dir, then scripts/action-summary.sh): validate, lint, plan,
// coverage and diff against the base commit; the worst exit code wins; the diff markdown of
// every suite lands in one file and in $GITHUB_STEP_SUMMARY.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { flippedFlow, git, loosen, runMode, voiceassistRepo } from './helpers.ts';

const suite = 'suites/voiceassist.yaml';

interface DiffJson {
  baseRef: string | null;
  suites: Array<{ suite: string; exitCode: number | null; diff: { cells: number; changes: Array<{ flow?: string; declared: boolean; change: string }> } | null }>;
}
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as DiffJson;

describe('GitHub Action, mode check (scripts/action-check.sh)', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  describe('policies unchanged against the base commit', () => {
    let dir: string;
    let base: string;
    before(async () => {
      ({ dir, base } = await voiceassistRepo());
      dirs.push(dir);
      // A second commit that touches a policy file without changing what it says.
      const file = join(dir, 'suites/policies/voiceassist/database-policy.yaml');
      writeFileSync(file, `# reviewed: no change in meaning\n${readFileSync(file, 'utf8')}`);
      await git(dir, 'commit', '-q', '-am', 'a comment');
    });

    it('exits 0, says "no change" in the diff and the step summary, and names its files as outputs', async () => {
      const r = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: suite, FLOWPROOF_BASE_REF: base });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
      expect(r.outputs).to.include({ reports: 'flowproof-reports', markdown: 'flowproof-reports/check.md', comment: 'flowproof-reports/diff.md', 'diff-json': 'flowproof-reports/diff.json' });
      const diffMd = readFileSync(join(dir, r.outputs.comment!), 'utf8');
      expect(diffMd).to.include(`## flowproof diff against \`${base.slice(0, 7)}`);
      expect(diffMd).to.include('no change');
      expect(diffMd).to.include('policies: `suites/policies/voiceassist`');
      expect(r.summary).to.include('## flowproof check: exit 0');
      expect(r.summary).to.include(`| \`${suite}\` | pass | pass | pass | pass | pass |`);
      expect(r.summary).to.include(diffMd.trim());
      const json = readJson(join(dir, r.outputs['diff-json']!));
      expect(json.baseRef).to.equal(base);
      expect(json.suites).to.have.length(1);
      expect(json.suites[0]).to.include({ suite, exitCode: 0 });
      expect(json.suites[0]!.diff!.changes).to.deep.equal([]);
    });

    it('without a base revision (not a pull request): no diff, exit 0', async () => {
      const r = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: suite, FLOWPROOF_REPORTS: 'no-base' });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
      expect(r.summary).to.include(`| \`${suite}\` | pass | pass | pass | pass | no base revision |`);
      expect(readJson(join(dir, 'no-base/diff.json')).suites[0]).to.deep.equal({ suite, exitCode: null, diff: null });
    });

    it('a coverage minimum the suite misses is exit 1 in the coverage column (coverage --min)', async () => {
      const r = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: suite, FLOWPROOF_BASE_REF: base, FLOWPROOF_MIN_COVERAGE: '100', FLOWPROOF_REPORTS: 'min-coverage' });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(1);
      expect(r.summary).to.include('| coverage (min 100%) |');
      expect(r.summary).to.include(`| \`${suite}\` | pass | pass | pass | **exit 1** | pass |`);
      expect(r.summary).to.include(`<details><summary><code>${suite}</code> · coverage --min 100: exit 1</summary>`);
    });

    it('bad input is exit 2 and beats a violation (3 > 2 > 1 > 0)', async () => {
      writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: flowproof/v1\nkind: ConnectivitySuite\nmetadata: {name: broken}\nspec: {flows: [{name: x}]}\n');
      const r = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: `${suite}\nbroken.yaml`, FLOWPROOF_BASE_REF: base, FLOWPROOF_MIN_COVERAGE: '100', FLOWPROOF_REPORTS: 'worst' });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(2);
      expect(r.summary).to.include('## flowproof check: exit 2 (bad input');
      expect(r.summary).to.include('| `broken.yaml` | **exit 2** (bad input) | skipped | skipped | skipped | skipped |');
      expect(r.summary).to.include(`| \`${suite}\` | pass | pass | pass | **exit 1** | pass |`);
      const json = readJson(join(dir, 'worst/diff.json'));
      expect(json.suites.map((s) => [s.suite, s.exitCode])).to.deep.equal([[suite, 0], ['broken.yaml', null]]);
    });

    it('an infrastructure error (3, or any code past it: a crash) beats bad input', async () => {
      // A fake flowproof CLI (FLOWPROOF_CLI): lint crashes with 134, plan is bad input, the rest pass.
      const fake = join(dir, 'fake-flowproof-cli.mjs');
      writeFileSync(fake, "const cmd = process.argv[2];\nconsole.log(`fake flowproof ${cmd}`);\nprocess.exit(cmd === 'lint' ? 134 : cmd === 'plan' ? 2 : 0);\n");
      const r = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: suite, FLOWPROOF_CLI: fake, FLOWPROOF_REPORTS: 'fake-cli' });
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(3);
      expect(r.summary).to.include('## flowproof check: exit 3 (infrastructure error)');
      expect(r.summary).to.include(`| \`${suite}\` | pass | **exit 3** (infrastructure) | **exit 2** (bad input) | pass | no base revision |`);
    });

    it('a glob names suites; one that matches nothing is exit 2', async () => {
      const ok = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: 'suites/*.yaml', FLOWPROOF_REPORTS: 'glob' });
      expect(ok.exitCode, `${ok.stdout}\n${ok.stderr}`).to.equal(0);
      expect(ok.summary).to.include(`| \`${suite}\` |`);
      const none = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: 'nowhere/*.yaml', FLOWPROOF_REPORTS: 'glob-none' });
      expect(none.exitCode).to.equal(2);
      expect(none.stderr).to.include('no suite file matches nowhere/*.yaml');
    });
  });

  describe('a loosened policy in a second commit', () => {
    let dir: string;
    let base: string;
    let r: Awaited<ReturnType<typeof runMode>>;
    before(async () => {
      ({ dir, base } = await voiceassistRepo());
      dirs.push(dir);
      await loosen(dir, true);
      r = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: suite, FLOWPROOF_BASE_REF: base });
    });

    it('exits 1: a declared flow flips', () => {
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(1);
      expect(r.summary).to.include('## flowproof check: exit 1');
      // plan disagrees too (the flipped deny is now a contradiction); the diff column says the diff did.
      expect(r.summary).to.match(new RegExp(`\\| \`${suite}\` \\| pass \\| pass \\| \\*\\*exit 1\\*\\* \\| pass \\| \\*\\*exit 1\\*\\* \\|`));
      const json = readJson(join(dir, r.outputs['diff-json']!));
      expect(json.suites[0]!.exitCode).to.equal(1);
      const flips = json.suites[0]!.diff!.changes.filter((c) => c.declared && c.change !== 'rule').map((c) => c.flow);
      expect(flips).to.deep.equal([flippedFlow]);
    });

    it('the diff markdown (the comment) names the flipped flow: flowproof diff --markdown of the suite, under its heading', () => {
      const diffMd = readFileSync(join(dir, r.outputs.comment!), 'utf8');
      expect(diffMd).to.include('### `suites/voiceassist.yaml`');
      expect(diffMd).to.include('1 declared flow flips');
      expect(diffMd).to.include(flippedFlow);
      // The view's own text, its headings one level down (#### under the suite's ###).
      const view = readFileSync(join(dir, 'flowproof-reports/diff/1-voiceassist.md'), 'utf8');
      const lines = view.split('\n').filter((l) => l.trim() !== '');
      expect(lines.length).to.be.greaterThan(0);
      for (const l of lines) expect(diffMd).to.include(/^#{1,5} /.test(l) ? `#${l}` : l);
      expect(existsSync(join(dir, 'flowproof-reports/diff/1-voiceassist.mmd'))).to.equal(true);
    });

    it('$GITHUB_STEP_SUMMARY receives the table and the diff', () => {
      expect(r.summary).to.include('| suite | validate | lint | plan | coverage | diff |');
      expect(r.summary).to.include(flippedFlow);
      expect(r.summary).to.include(readFileSync(join(dir, r.outputs.comment!), 'utf8').trim());
    });

    it('the same change left in the work tree (not committed) is found the same way', async () => {
      const other = await voiceassistRepo();
      dirs.push(other.dir);
      await loosen(other.dir, false);
      const w = await runMode('action-check.sh', other.dir, { FLOWPROOF_SUITES: suite, FLOWPROOF_BASE_REF: 'HEAD' });
      expect(w.exitCode, `${w.stdout}\n${w.stderr}`).to.equal(1);
      expect(readFileSync(join(other.dir, w.outputs.comment!), 'utf8')).to.include(flippedFlow);
    });

    it('the policies input replaces the derived paths', async () => {
      const p = await runMode('action-check.sh', dir, {
        FLOWPROOF_SUITES: suite,
        FLOWPROOF_BASE_REF: base,
        FLOWPROOF_POLICIES: 'suites/policies/voiceassist/default-deny-all.yaml suites/policies/voiceassist/api-gateway-policy.yaml',
        FLOWPROOF_REPORTS: 'explicit',
      });
      expect(p.exitCode, `${p.stdout}\n${p.stderr}`).to.equal(1); // plan still sees the loosened policy
      const diffMd = readFileSync(join(dir, 'explicit/diff.md'), 'utf8');
      expect(diffMd).to.include('policies: `suites/policies/voiceassist/default-deny-all.yaml` `suites/policies/voiceassist/api-gateway-policy.yaml`');
      expect(diffMd).to.include('no change');
    });

    it('a base revision the repository does not have is exit 2, said in the summary', async () => {
      const b = await runMode('action-check.sh', dir, { FLOWPROOF_SUITES: suite, FLOWPROOF_BASE_REF: '0000000000000000000000000000000000000001', FLOWPROOF_REPORTS: 'unknown-base' });
      expect(b.exitCode).to.equal(2);
      expect(b.summary).to.include('· diff: exit 2</summary>');
      expect(b.summary).to.include('is not a revision this repository knows');
    });
  });
});
