// flowproof diff (issue 17): identical sets, rule-only changes, a loosened policy that flips a
// declared deny, --base-ref from a git revision, and bad input at its file:line.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { computeDiff } from '../../lib/commands/diff.ts';
import type { DiffResult } from '../../lib/plan/diff.ts';

const repo = new URL('../../', import.meta.url).pathname;
const cli = (args: string[], cwd = repo) => execa(process.execPath, [join(repo, 'bin/flowproof.js'), ...args], { cwd, reject: false });
const loosened = 'test/fixtures/diff/voiceassist-loosened';

describe('flowproof diff', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'flowproof-diff-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('identical policies (another order, another directory): exit 0 and one line saying so', async () => {
    cpSync(join(repo, 'suites/policies/voiceassist'), join(tmp, 'same'), { recursive: true });
    const r = await cli(['diff', 'suites/voiceassist.yaml', '--head', join(tmp, 'same')]);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.have.length(1);
    expect(r.stdout).to.match(/^no change: \d+ cells compared/);
  });

  it('a loosened policy: the declared deny that flips is listed first and makes exit 1; the opened matrix cells follow', async () => {
    const r = await cli(['diff', 'suites/voiceassist.yaml', '--head', loosened]);
    expect(r.exitCode, r.stderr).to.equal(1);
    const out = r.stdout;
    expect(out.indexOf('DECLARED FLOWS WHOSE PREDICTION FLIPS')).to.be.lessThan(out.indexOf('newly opened'));
    expect(out).to.include('ingress controller cannot reach postgres: ingress-nginx/ingress-nginx-controller -> svc:voiceassist/postgres 5432/TCP');
    expect(out).to.include('head: allow (voiceassist/database-policy ingress[0])');
    expect(out).to.include('kube-system/coredns -> voiceassist/postgres 5432/TCP');
  });

  it('--json has the documented shape; each cell names both verdicts and rules', async () => {
    const r = await cli(['diff', 'suites/voiceassist.yaml', '--head', loosened, '--json']);
    expect(r.exitCode).to.equal(1);
    const d = JSON.parse(r.stdout) as DiffResult;
    expect(d).to.have.keys('base', 'head', 'cells', 'changes');
    expect(d.cells).to.be.greaterThan(d.changes.length);
    const first = d.changes[0]!;
    expect(first).to.include({ from: 'ingress-nginx/ingress-nginx-controller', to: 'svc:voiceassist/postgres', port: 5432, protocol: 'TCP', declared: true, change: 'opened' });
    expect(first.base.verdict).to.equal('deny');
    expect(first.head).to.deep.equal({ verdict: 'allow', rule: 'voiceassist/database-policy ingress[0]' });
    expect(d.changes.filter((c) => !c.declared).every((c) => c.change === 'opened')).to.equal(true);
  });

  it('a change of rule only (same verdicts): listed as such, exit 0', async () => {
    cpSync(join(repo, 'suites/policies/voiceassist'), join(tmp, 'p'), { recursive: true });
    // A second policy allowing exactly what redis-policy allows: the gateway's flow is now decided by the earlier-named one.
    writeFileSync(
      join(tmp, 'p', 'aaa-redis-too.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: aaa-redis-too, namespace: voiceassist}\nspec:\n  podSelector: {matchLabels: {app: redis}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: api-gateway}}}]\n      ports: [{protocol: TCP, port: 6379}]\n',
    );
    const d = await computeDiff('suites/voiceassist.yaml', { head: [join(tmp, 'p')] });
    expect(d.changes.length).to.be.greaterThan(0);
    expect(d.changes.every((c) => c.change === 'rule' && c.base.verdict === c.head.verdict)).to.equal(true);
    expect(d.changes.some((c) => c.head.rule === 'voiceassist/aaa-redis-too ingress[0]')).to.equal(true);
    const r = await cli(['diff', 'suites/voiceassist.yaml', '--head', join(tmp, 'p')]);
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.include('same verdict, different rule');
  });

  it('--base-ref reads the head paths at a git revision (no checkout) and compares', async () => {
    const work = join(tmp, 'repo');
    cpSync(join(repo, 'suites/voiceassist.yaml'), join(work, 'suites/voiceassist.yaml'));
    cpSync(join(repo, 'suites/policies/voiceassist'), join(work, 'suites/policies/voiceassist'), { recursive: true });
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: work });
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-qm', 'base');
    writeFileSync(join(work, 'suites/policies/voiceassist/database-policy.yaml'), readFileSync(join(repo, loosened, 'database-policy.yaml')));
    const r = await cli(['diff', 'suites/voiceassist.yaml', '--head', 'suites/policies/voiceassist', '--base-ref', 'main', '--json'], work);
    expect(r.exitCode, r.stderr).to.equal(1);
    const d = JSON.parse(r.stdout) as DiffResult;
    expect(d.base).to.equal('main:suites/policies/voiceassist');
    expect(d.changes.filter((c) => c.declared).map((c) => c.flow)).to.deep.equal(['ingress controller cannot reach postgres']);
    // The work tree was not touched: the loosened file is still there.
    expect(readFileSync(join(work, 'suites/policies/voiceassist/database-policy.yaml'), 'utf8')).to.include('LOOSENED');
    // Committed as head too: no change against the same revision.
    await git('commit', '-qam', 'loosen');
    const same = await cli(['diff', 'suites/voiceassist.yaml', '--head', 'suites/policies/voiceassist', '--base-ref', 'HEAD'], work);
    expect(same.exitCode).to.equal(0);
    expect(same.stdout).to.match(/^no change/);
    const unknown = await cli(['diff', 'suites/voiceassist.yaml', '--head', 'suites/policies/voiceassist', '--base-ref', 'no-such-branch'], work);
    expect(unknown.exitCode).to.equal(2);
    expect(unknown.stderr).to.include('--base-ref no-such-branch:1: is not a revision this repository knows');
  });

  it('bad input: a broken head policy is exit 2 at its file:line:col, a missing path too; --base with --base-ref is refused', async () => {
    writeFileSync(join(tmp, 'bad.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: voiceassist}\nspec:\n  podSelector: {}\n  ingress:\n    - from:\n        - {}\n');
    const r = await cli(['diff', 'suites/voiceassist.yaml', '--head', join(tmp, 'bad.yaml')]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`${join(tmp, 'bad.yaml').replace(/[/.]/g, '\\$&')}:8:\\d+: .*empty peer`));
    const missing = await cli(['diff', 'suites/voiceassist.yaml', '--head', join(tmp, 'nope')]);
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.include(`${join(tmp, 'nope')}:1: does not exist`);
    const both = await cli(['diff', 'suites/voiceassist.yaml', '--head', loosened, '--base', loosened, '--base-ref', 'HEAD']);
    expect(both.exitCode).to.equal(2);
    expect(both.stderr).to.include('give one');
  });
});
