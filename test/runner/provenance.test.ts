// Accountability and intent: who ran the test (never a bare user@host without saying so),
// the suite file and every policy file copied into the bundle with their digests, and the
// git commit and dirty state of the suite's repository.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { InputError } from '../../lib/errors.ts';
import { writeBundle } from '../../lib/report/index.ts';
import { sha256File } from '../../lib/report/manifest.ts';
import { captureIntent, ciJob, intentRecord, resolveOperator, sourceRevision } from '../../lib/runner/provenance.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { RunResult } from '../../lib/types.ts';
import { loadRun, tempDir } from '../report/fixture.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** Runs `fn` with git's global and system configuration out of the way (an empty HOME). */
async function withoutGitIdentity<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const saved = { HOME: process.env.HOME, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL };
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  Object.assign(process.env, { HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(home, '.gitconfig') });
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const git = (cwd: string, ...args: string[]) => execa('git', ['-C', cwd, ...args], { env: { GIT_CONFIG_NOSYSTEM: '1' } });

/** A git repository holding the voiceassist suite and its policies, committed. */
async function suiteRepo(root: string): Promise<{ dir: string; suite: string }> {
  const dir = join(root, 'repo');
  mkdirSync(join(dir, 'suites'), { recursive: true });
  cpSync(join(repo, 'suites', 'voiceassist.yaml'), join(dir, 'suites', 'voiceassist.yaml'));
  cpSync(join(repo, 'suites', 'policies', 'voiceassist'), join(dir, 'suites', 'policies', 'voiceassist'), { recursive: true });
  await git(root, 'init', '-q', dir);
  await git(dir, 'config', 'user.name', 'Dana Auditor');
  await git(dir, 'config', 'user.email', 'dana@example.org');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'suite');
  return { dir, suite: join(dir, 'suites', 'voiceassist.yaml') };
}

describe('provenance: operator, intent and revision', function () {
  this.timeout(60_000);
  let root: string;
  before(() => {
    root = tempDir('provenance');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the operator: --operator, else the CI actor, else the git identity, else the local account said to be unverified', async () => {
    const { dir } = await suiteRepo(join(root, 'op'));
    expect(await resolveOperator('Pat Reviewer', dir, {})).to.deep.equal({ name: 'Pat Reviewer', source: '--operator' });
    expect(await resolveOperator(undefined, dir, { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat' })).to.deep.equal({ name: 'octocat (GitHub Actions)', source: 'CI actor: $GITHUB_ACTOR (GitHub Actions)' });
    await withoutGitIdentity(root, async () => {
      const fromGit = await resolveOperator(undefined, dir, {});
      expect(fromGit.name).to.equal('Dana Auditor <dana@example.org>');
      expect(fromGit.source).to.match(/^git identity/);
      const outside = join(root, 'not-a-repo');
      mkdirSync(outside, { recursive: true });
      const local = await resolveOperator(undefined, outside, {});
      expect(local.name).to.equal(`${userInfo().username}@${hostname()} (local account, unverified)`);
      expect(local.source).to.match(/^local account: .*pass --operator/);
    });
  });

  it('the CI job from the CI system\'s own variables (the Allure executor), none outside CI', () => {
    expect(ciJob({ GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/net', GITHUB_RUN_ID: '7', GITHUB_RUN_NUMBER: '42', GITHUB_WORKFLOW: 'segmentation' })).to.deep.equal({
      system: 'GitHub Actions',
      type: 'github',
      buildName: 'segmentation #42',
      buildUrl: 'https://github.com/acme/net/actions/runs/7',
      url: 'https://github.com/acme/net',
    });
    expect(ciJob({ GITLAB_CI: 'true', CI_JOB_NAME: 'netpol', CI_JOB_ID: '9', CI_JOB_URL: 'https://gitlab.example/j/9', CI_PROJECT_URL: 'https://gitlab.example/p' })).to.deep.equal({
      system: 'GitLab CI',
      type: 'gitlab',
      buildName: 'netpol #9',
      buildUrl: 'https://gitlab.example/j/9',
      url: 'https://gitlab.example/p',
    });
    expect(ciJob({ JENKINS_URL: 'https://ci.example/', JOB_NAME: 'seg', BUILD_NUMBER: '3', BUILD_URL: 'https://ci.example/job/seg/3/' })).to.include({ system: 'Jenkins', type: 'jenkins', buildName: 'seg #3' });
    expect(ciJob({})).to.equal(undefined);
  });

  it('the revision: commit and clean or dirty state, the intent files that differ; outside a repository, says so', async () => {
    const { dir, suite } = await suiteRepo(join(root, 'rev'));
    const head = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
    expect(await sourceRevision(dirname(suite), [suite])).to.deep.equal({ commit: head, dirty: false, uncommittedIntent: [] });
    writeFileSync(suite, `${readFileSync(suite, 'utf8')}# edited\n`);
    writeFileSync(join(dir, 'unrelated.txt'), 'x\n');
    expect(await sourceRevision(dirname(suite), [suite])).to.deep.equal({ commit: head, dirty: true, uncommittedIntent: ['suites/voiceassist.yaml'] });
    const outside = join(root, 'plain');
    mkdirSync(outside, { recursive: true });
    expect(await sourceRevision(outside, [])).to.deep.equal({ note: 'not in a git repository' });
  });

  it('captures the suite file and every policy file as read, with digests, and refuses one that changed since loading', async () => {
    const { dir, suite } = await suiteRepo(join(root, 'capture'));
    const loaded = await loadSuite(suite);
    const intent = await captureIntent(loaded);
    expect(intent.files.map((f) => [f.role, f.copy])).to.deep.equal([
      ['suite', 'intent/suites/voiceassist.yaml'],
      ['policy-file', 'intent/suites/policies/voiceassist/default-deny-all.yaml'],
      ...intent.files.slice(2).map((f) => ['policy-file', f.copy]),
    ]);
    expect(intent.files.length).to.be.greaterThan(2);
    for (const f of intent.files) expect(f.sha256, f.file).to.equal(sha(readFileSync(f.file)));
    expect(intent.git.commit).to.match(/^[0-9a-f]{40}$/);
    const policy = intent.files[1]!.file;
    // Even a comment appended after the last document is a change to the file that was tested.
    writeFileSync(policy, `${readFileSync(policy, 'utf8')}# appended after loading\n`);
    let caught: unknown;
    try {
      await captureIntent(loaded);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(InputError);
    expect((caught as Error).message).to.include(`${policy}:1: changed while the run started`);
    await git(dir, 'checkout', '--', '.');
  });

  it('the bundle holds the copies under intent/ (a runnable suite), linked with digests from OSCAL and listed in the report', async () => {
    const { suite } = await suiteRepo(join(root, 'bundle'));
    const loaded = await loadSuite(suite);
    const intent = await captureIntent(loaded);
    const run: RunResult = loadRun();
    run.meta!.intent = intentRecord(intent);
    run.meta!.operator = 'Dana Auditor <dana@example.org>';
    run.meta!.operatorSource = 'git identity (git config user.name / user.email): as configured, not authenticated';
    const dir = (await writeBundle({ run, suite: loaded, intent, outDir: join(root, 'out') })).dir;
    for (const f of intent.files) expect(readFileSync(join(dir, f.copy), 'utf8'), f.copy).to.equal(readFileSync(f.file, 'utf8'));
    // The copy is the suite itself: it loads, and its policies have the digests the run recorded.
    const again = await loadSuite(join(dir, 'intent', 'suites', 'voiceassist.yaml'));
    expect(again.policies.map((p) => p.sha256)).to.deep.equal(loaded.policies.map((p) => p.sha256));
    const written = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(written.meta!.intent!.files[0]).to.deep.equal({ role: 'suite', file: suite, sha256: sha(readFileSync(suite)), copy: 'intent/suites/voiceassist.yaml' });
    const ar = JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'];
    const links = (ar['back-matter'].resources as Array<{ rlinks?: Array<{ href: string; hashes: Array<{ value: string }> }> }>).flatMap((r) => r.rlinks ?? []);
    for (const f of intent.files) expect(links.find((l) => l.href === f.copy)?.hashes[0]?.value, f.copy).to.equal(sha256File(join(dir, f.copy)));
    expect(ar.metadata.props).to.deep.include({ name: 'source-commit', ns: 'urn:flowproof:oscal', value: intent.git.commit });
    expect(ar.metadata.props).to.deep.include({ name: 'source-dirty', ns: 'urn:flowproof:oscal', value: 'false' });
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).to.include(`git commit ${intent.git.commit}, repository clean; the suite and policy files match the commit`);
    expect(html).to.include('<a href="intent/suites/voiceassist.yaml">intent/suites/voiceassist.yaml</a>');
    expect(html).to.include('Dana Auditor &lt;dana@example.org&gt; (identified by git identity');
  });
});
