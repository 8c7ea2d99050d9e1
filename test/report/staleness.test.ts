// Staleness: `verify --policies <dir|suite>` says STALE when the policies (or the suite) differ
// from the digests the bundle recorded, or when the retest the run's controls require is
// overdue; the report states the retest interval (PCI 11.4.5: 12 months and after any change;
// 11.4.6: 6 months) and when the next test is due.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { writeBundle } from '../../lib/report/index.ts';
import { captureIntent, intentRecord } from '../../lib/runner/provenance.ts';
import { loadSuite } from '../../lib/suite/load.ts';
import type { RunResult, Suite } from '../../lib/types.ts';
import { loadRun, tempDir } from './fixture.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repo, 'bin', 'flowproof.js');
const flowproof = (...args: string[]) => execa('node', [bin, ...args], { reject: false, timeout: 60_000 });

/** The fixture's flows as a run of the voiceassist suite in `dir`, with that suite's policy digests and intent. */
async function bundleFor(suite: Suite, out: string, change: (run: RunResult) => void = () => {}): Promise<string> {
  const run = loadRun();
  run.meta!.policies = suite.policies.map((p) => ({ name: p.policy.metadata.name, namespace: p.namespace, file: p.source.file, sha256: p.sha256 }));
  const intent = await captureIntent(suite);
  run.meta!.intent = intentRecord(intent);
  change(run);
  return (await writeBundle({ run, suite, intent, outDir: out })).dir;
}

describe('verify --policies: is the bundle still evidence for the policies of today', function () {
  this.timeout(120_000);
  let root: string;
  let suiteFile: string;
  let policies: string;
  let bundle: string;

  before(async () => {
    root = tempDir('staleness');
    const work = join(root, 'work');
    mkdirSync(join(work, 'suites'), { recursive: true });
    cpSync(join(repo, 'suites', 'voiceassist.yaml'), join(work, 'suites', 'voiceassist.yaml'));
    cpSync(join(repo, 'suites', 'policies', 'voiceassist'), join(work, 'suites', 'policies', 'voiceassist'), { recursive: true });
    suiteFile = join(work, 'suites', 'voiceassist.yaml');
    policies = join(work, 'suites', 'policies', 'voiceassist');
    bundle = await bundleFor(await loadSuite(suiteFile), join(root, 'bundle'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('current: the same policies and suite, exit 0', async () => {
    const byDir = await flowproof('verify', bundle, '--no-signature', '--policies', policies);
    expect(byDir.exitCode, byDir.stdout + byDir.stderr).to.equal(0);
    expect(byDir.stdout).to.match(/^current .*: the \d+ policies in .* have the SHA-256 this run recorded$/m);
    expect(byDir.stdout).to.match(/retest: PCI DSS v4\.0\.1 Requirement 11\.4\.5: at least once every 12 months and after any change to segmentation controls or methods; next due by 2027-11-23/);
    const bySuite = await flowproof('verify', bundle, '--no-signature', '--policies', suiteFile);
    expect(bySuite.exitCode, bySuite.stdout + bySuite.stderr).to.equal(0);
    expect(bySuite.stdout).to.include('and so has the suite file');
  });

  it('STALE: a changed, a removed and a new policy are each named, exit 1', async () => {
    const redis = join(policies, 'redis-policy.yaml');
    const dbPolicy = join(policies, 'database-policy.yaml');
    const [redisText, dbText] = [readFileSync(redis, 'utf8'), readFileSync(dbPolicy, 'utf8')];
    try {
      writeFileSync(redis, redisText.replace(/port: 6379/, 'port: 6380'));
      rmSync(dbPolicy);
      writeFileSync(join(policies, 'extra.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-everything\n  namespace: voiceassist\nspec:\n  podSelector: {}\n  ingress: [{}]\n');
      const r = await flowproof('verify', bundle, '--no-signature', '--policies', policies);
      expect(r.exitCode).to.equal(1);
      expect(r.stdout).to.match(/^STALE .*: the policies in .* are not the ones this run tested \(\d+ differences\); the bundle is no evidence for them$/m);
      expect(r.stdout).to.match(/^ {2}changed: voiceassist\/\S+ \(tested sha256 [0-9a-f]{12}…, now [0-9a-f]{12}… in .*redis-policy\.yaml\)$/m);
      expect(r.stdout).to.match(/^ {2}missing: voiceassist\/\S+ was tested; .* holds it no longer$/m);
      expect(r.stdout).to.match(/^ {2}new: voiceassist\/allow-everything in .*extra\.yaml was not tested$/m);
      expect(r.stdout).to.include('next due by 2027-11-23, and now, after the changes above');
    } finally {
      writeFileSync(redis, redisText);
      writeFileSync(dbPolicy, dbText);
      rmSync(join(policies, 'extra.yaml'), { force: true });
    }
  });

  it('STALE: a changed suite file (the declared intent)', async () => {
    const text = readFileSync(suiteFile, 'utf8');
    try {
      writeFileSync(suiteFile, `${text}# edited after the run\n`);
      const r = await flowproof('verify', bundle, '--no-signature', '--policies', suiteFile);
      expect(r.exitCode).to.equal(1);
      expect(r.stdout).to.match(/changed: the suite file \(tested sha256 [0-9a-f]{12}…, now [0-9a-f]{12}…\): the declared flows or scope differ/);
    } finally {
      writeFileSync(suiteFile, text);
    }
  });

  it('STALE: a run older than the retest interval its controls require', async () => {
    const old = await bundleFor(await loadSuite(suiteFile), join(root, 'old'), (run) => {
      run.startedAt = '2025-06-01T09:00:00.000Z';
      run.finishedAt = '2025-06-01T09:00:20.000Z';
      run.flows[2]!.controls.push('PCI-DSS-11.4.6');
    });
    const r = await flowproof('verify', old, '--no-signature', '--policies', policies);
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.include('STALE');
    expect(r.stdout).to.match(/STALE .*: PCI DSS v4\.0\.1 Requirement 11\.4\.6 \(service providers\) requires this test at least once every six months and after any change to segmentation controls or methods; it was due by 2025-12-01/);
    expect(r.stdout).to.match(/STALE .*: PCI DSS v4\.0\.1 Requirement 11\.4\.5 requires this test .*; it was due by 2026-06-01/);
  });

  it('the report states the retest interval of the mapped controls and the due date', () => {
    const html = readFileSync(join(bundle, 'index.html'), 'utf8');
    expect(html).to.include(
      'PCI DSS v4.0.1 Requirement 11.4.5 requires this test at least once every 12 months and after any change to segmentation controls or methods: the next one is due by 2027-11-23 (12 months after this run), and at once after any change to the policies tested',
    );
    expect(readFileSync(join(bundle, 'summary.md'), 'utf8')).to.include('Retest: PCI DSS v4.0.1 Requirement 11.4.5 requires this test');
    const findings = JSON.parse(readFileSync(join(bundle, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].results[0].findings as Array<{
      target: { 'target-id': string };
      props: Array<{ name: string; value: string }>;
    }>;
    const seg = findings.find((f) => f.target['target-id'] === 'PCI-DSS-11.4.5')!;
    expect(seg.props).to.deep.include({ name: 'retest-due-by', ns: 'urn:flowproof:oscal', value: '2027-11-23 (at least once every 12 months and after any change to segmentation controls or methods)' });
  });
});
