// Allure: the results are rendered from the records into every bundle (the recorded verdict
// as the status, the real probe times, flowproof's own words); the single-file HTML is made
// offline only by `flowproof report <bundle> --allure` (Java needed), which keeps the
// manifest, and a signature, honest.
// Controls: the built-in map is data, --controls-map extends it, bad maps are bad input.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { InfrastructureError, InputError } from '../../lib/errors.ts';
import { allureBin } from '../../lib/report/allure.ts';
import { evaluateControls, loadControls, rerenderBundle, SIGNATURE, verifyBundle, writeBundle, writeKeyPair } from '../../lib/report/index.ts';
import { listBundleFiles, MANIFEST } from '../../lib/report/manifest.ts';
import type { RunResult } from '../../lib/types.ts';
import { requireCommand } from '../helpers/env.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

interface AllureResultFile {
  uuid: string;
  name: string;
  status: string;
  statusDetails: { message?: string };
  start: number;
  stop: number;
  steps: Array<{ name: string; status: string; start: number; stop: number; attachments: Array<{ source: string }> }>;
  labels: Array<{ name: string; value: string }>;
  parameters: Array<{ name: string; value: string }>;
}

function allureResults(dir: string): AllureResultFile[] {
  const results = join(dir, 'allure-results');
  return readdirSync(results)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')) as AllureResultFile);
}

describe('report: allure results from the records', () => {
  let root: string;
  let run: RunResult;
  let dir: string;
  before(async () => {
    root = tempDir('allure');
    run = loadRun();
    dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'bundle') })).dir;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes one result per flow with the recorded verdict as its status, under the manifest', async () => {
    const results = allureResults(dir);
    expect(results.map((r) => r.name).sort()).to.deep.equal(run.flows.map((f) => f.name).sort());
    const status = Object.fromEntries(results.map((r) => [r.name, r.status]));
    for (const f of run.flows) expect(status[f.name], f.name).to.equal({ pass: 'passed', fail: 'failed', error: 'broken' }[f.verdict]);
    expect(listBundleFiles(dir).files.filter((f) => f.startsWith('allure-results/'))).to.have.length.greaterThan(run.flows.length);
    expect(existsSync(join(dir, 'allure-report')), 'no Java during the run').to.equal(false);
    expect((await verifyBundle(dir)).ok).to.equal(true);
  });

  it("says what happened in flowproof's words, not an assertion library's", () => {
    const byName = new Map(allureResults(dir).map((r) => [r.name, r]));
    const leak = byName.get('other tenant cannot reach redis')!;
    const reason = run.flows.find((f) => f.name === leak.name)!.reason;
    expect(leak.statusDetails.message).to.equal(`LEAK: declared deny, predicted allow (voiceassist/allow-gateway-to-redis ingress[0]), observed allow (ALLOWED). ${reason}`);
    const unsure = byName.get('prometheus scrapes api-gateway metrics')!;
    expect(unsure.statusDetails.message).to.match(/^INCONCLUSIVE: /);
    for (const r of byName.values()) expect(JSON.stringify(r)).to.not.match(/expected '|to satisfy|AssertionError|not run/);
    expect(byName.get('api-gateway reaches postgres')!.statusDetails).to.deep.equal({});
    expect(byName.get('api-gateway reaches postgres')!.parameters).to.deep.include({ name: 'observed', value: 'allow (ALLOWED)' });
  });

  it('carries the real probe times: each attempt a step with its transcript, the flow from first start to last end', () => {
    const byName = new Map(allureResults(dir).map((r) => [r.name, r]));
    for (const f of run.flows) {
      const r = byName.get(f.name)!;
      const attempts = f.attempts ?? [];
      expect(r.steps.length, f.name).to.equal(attempts.length + (f.control ? 1 : 0));
      attempts.forEach((a, i) => {
        expect(r.steps[i]!.start, `${f.name} attempt ${i + 1}`).to.equal(Date.parse(a.startedAt));
        expect(r.steps[i]!.stop - r.steps[i]!.start).to.equal(a.durationMs);
        expect(readFileSync(join(dir, 'allure-results', r.steps[i]!.attachments[0]!.source), 'utf8')).to.equal(a.transcript);
      });
      expect(r.start).to.equal(Date.parse(attempts[0]!.startedAt));
      expect(r.stop).to.equal(Math.max(...attempts.map((a) => Date.parse(a.startedAt) + a.durationMs)));
    }
    // Two attempts 850 ms apart, 2 s each: the flow spans both.
    const twice = byName.get('other tenant cannot reach postgres')!;
    expect(twice.stop - twice.start).to.equal(850 + 2003);
    const control = byName.get('prometheus scrapes api-gateway metrics')!.steps.at(-1)!;
    expect(control.name).to.match(/^liveness check from inside the target: /);
    expect(control.status).to.equal('broken');
  });

  it('writes the Environment (provider, evidence class, CNI, versions) and the Executor (the operator, or the CI job)', async () => {
    const env = readFileSync(join(dir, 'allure-results', 'environment.properties'), 'latin1');
    expect(env).to.include('Provider=netns\n');
    expect(env).to.include('Evidence\\ class=emulated\n');
    expect(env).to.include(`Kernel=${run.meta!.fingerprint.kernel}\n`);
    expect(env).to.include(`Operator=${run.meta!.operator}\n`);
    expect(env).to.match(/^Evidence=Emulated \(netns\): design verification/m);
    expect(env, 'ISO-8859-1 with escapes, as Java reads it').to.match(/^[\x20-\x7e\n]*$/);
    expect(JSON.parse(readFileSync(join(dir, 'allure-results', 'executor.json'), 'utf8'))).to.deep.equal({
      name: `flowproof, run by ${run.meta!.operator}`,
      type: 'flowproof',
      buildName: run.meta!.runId,
      reportName: 'flowproof: voiceassist',
    });
    const ci: RunResult = {
      ...run,
      evidenceClass: 'test-cluster',
      meta: {
        ...run.meta!,
        fingerprint: { ...run.meta!.fingerprint, provider: 'kind', evidenceClass: 'test-cluster', cni: 'calico', cniVersion: 'v3.29.1', kubernetesVersion: 'v1.33.1' },
        ci: { system: 'GitHub Actions', type: 'github', buildName: 'segmentation #42', buildUrl: 'https://github.com/acme/net/actions/runs/7', url: 'https://github.com/acme/net' },
      },
    };
    const ciDir = (await writeBundle({ run: ci, suite: suiteFor(ci), outDir: join(root, 'ci') })).dir;
    const ciEnv = readFileSync(join(ciDir, 'allure-results', 'environment.properties'), 'latin1');
    expect(ciEnv).to.include('CNI=calico v3.29.1\n');
    expect(ciEnv).to.include('Kubernetes=v1.33.1\n');
    expect(ciEnv).to.include('Evidence\\ class=test-cluster\n');
    expect(JSON.parse(readFileSync(join(ciDir, 'allure-results', 'executor.json'), 'utf8'))).to.deep.equal({
      name: 'GitHub Actions',
      type: 'github',
      url: 'https://github.com/acme/net',
      buildName: 'segmentation #42',
      buildUrl: 'https://github.com/acme/net/actions/runs/7',
      reportName: 'flowproof: voiceassist',
    });
  });

  it('renders the same files for the same run (stable names and content)', async () => {
    const again = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'again') })).dir;
    const read = (d: string) => Object.fromEntries(readdirSync(join(d, 'allure-results')).map((f) => [f, readFileSync(join(d, 'allure-results', f), 'utf8')]));
    expect(read(again)).to.deep.equal(read(dir));
  });
});

describe('report: the Allure HTML, on request', function () {
  this.timeout(300_000);
  let root: string;
  before(() => {
    root = tempDir('allure-html');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('report --allure makes a single-file HTML offline that Allure read as recorded, and the bundle verifies', async function () {
    requireCommand(this, 'java', 'openjdk-17-jre-headless');
    const run = loadRun();
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'plain') })).dir;
    const out = await rerenderBundle(dir, { allure: true });
    expect(out.notes).to.include('made allure-report/index.html from allure-results/');
    expect(readFileSync(join(dir, 'allure-report', 'index.html'), 'utf8')).to.match(/<html/i);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).to.include('href="allure-report/index.html"');
    expect(readFileSync(join(dir, MANIFEST), 'utf8')).to.include('  allure-report/index.html\n');
    expect(await verifyBundle(dir)).to.deep.equal({ ok: true, problems: [] });
    // What Allure itself made of the results (its data files, not the single file).
    const data = mkdtempSync(join(root, 'data-'));
    await execa(allureBin, ['generate', join(dir, 'allure-results'), '-o', data, '--clean'], { env: { ALLURE_NO_ANALYTICS: '1' } });
    const summary = JSON.parse(readFileSync(join(data, 'widgets', 'summary.json'), 'utf8')) as { statistic: Record<string, number> };
    expect(summary.statistic).to.include({ passed: 7, failed: 1, broken: 1, total: 9 });
    // The Environment and Executors widgets are filled, not empty.
    const environment = JSON.parse(readFileSync(join(data, 'widgets', 'environment.json'), 'utf8')) as Array<{ name: string; values: string[] }>;
    expect(environment).to.deep.include({ name: 'Evidence class', values: ['emulated'] });
    expect(environment).to.deep.include({ name: 'Provider', values: ['netns'] });
    const executors = JSON.parse(readFileSync(join(data, 'widgets', 'executors.json'), 'utf8')) as Array<{ name: string; type: string }>;
    expect(executors.map((e) => e.name)).to.deep.equal([`flowproof, run by ${run.meta!.operator}`]);
    // Allure's categories: the leak is in Leaks.
    // (Allure groups a category's results by message.)
    const categories = JSON.parse(readFileSync(join(data, 'data', 'categories.json'), 'utf8')) as { children: Array<{ name: string; children: Array<{ children: Array<{ name: string }> }> }> };
    const inCategory = (name: string) => categories.children.find((c) => c.name === name)?.children.flatMap((m) => m.children.map((t) => t.name)) ?? [];
    expect(inCategory('Leaks')).to.deep.equal(['other tenant cannot reach redis']);
    expect(inCategory('Other violations')).to.deep.equal([]);
    // Again: the HTML is made anew and the manifest stays true.
    await rerenderBundle(dir, { allure: true });
    expect((await verifyBundle(dir)).ok).to.equal(true);
  });

  it('on a signed bundle: refuses without the key, changing nothing; with it, re-signs', async function () {
    const keys = writeKeyPair(join(root, 'keys', 'signer'));
    const run = loadRun();
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'signed'), signKeyPath: keys.privateKey })).dir;
    const manifest = readFileSync(join(dir, MANIFEST), 'utf8');
    let caught: unknown;
    try {
      await rerenderBundle(dir, { allure: true });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(InputError);
    expect((caught as Error).message).to.include(`${SIGNATURE}:1: the bundle is signed`).and.include('--sign-key');
    expect(readFileSync(join(dir, MANIFEST), 'utf8')).to.equal(manifest);
    expect(await verifyBundle(dir, keys.publicKey)).to.deep.equal({ ok: true, problems: [] });
    requireCommand(this, 'java', 'openjdk-17-jre-headless');
    const out = await rerenderBundle(dir, { allure: true, signKeyPath: keys.privateKey });
    expect(out.signed).to.equal(true);
    expect(existsSync(join(dir, 'allure-report', 'index.html'))).to.equal(true);
    expect(await verifyBundle(dir, keys.publicKey)).to.deep.equal({ ok: true, problems: [] });
  });

  it('without java: an infrastructure error naming the fix, and the bundle is left as it was', async () => {
    const run = loadRun();
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'no-java') })).dir;
    const manifest = readFileSync(join(dir, MANIFEST), 'utf8');
    const savedPath = process.env.PATH;
    process.env.PATH = join(root, 'empty-path');
    let caught: unknown;
    try {
      await rerenderBundle(dir, { allure: true });
    } catch (err) {
      caught = err;
    } finally {
      process.env.PATH = savedPath;
    }
    expect(caught).to.be.instanceOf(InfrastructureError);
    expect((caught as Error).message).to.include('generate the Allure HTML failed: java not found').and.include('openjdk-17-jre-headless');
    expect(readFileSync(join(dir, MANIFEST), 'utf8')).to.equal(manifest);
    expect(existsSync(join(dir, 'allure-report'))).to.equal(false);
    expect((await verifyBundle(dir)).ok).to.equal(true);
  });
});

describe('report: control mapping', () => {
  let root: string;
  before(() => {
    root = tempDir('controls');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('maps every built-in control with what it shows and does not show', () => {
    const ids = loadControls().map((c) => c.id);
    expect(ids).to.include.members([
      'HIPAA-164.312(a)(1)',
      'HIPAA-164.312(b)',
      'HIPAA-164.312(c)(1)',
      'HIPAA-164.312(d)',
      'HIPAA-164.312(e)(1)',
      'HIPAA-164.312(e)(2)(ii)',
      'PCI-DSS-1.3',
      'PCI-DSS-1.4',
      'PCI-DSS-4.2.1',
      'PCI-DSS-11.4.5',
      'PCI-DSS-11.4.6',
      'SOC2-CC6.1',
      'SOC2-CC6.6',
    ]);
    const none = loadControls().filter((c) => c.evidence === 'none').map((c) => c.id);
    expect(none.sort()).to.deep.equal(['HIPAA-164.312(c)(1)', 'HIPAA-164.312(d)']);
    // Encryption in transit: partial, and only from the flows that declare tls: required (test/report/tls-evidence.test.ts).
    const tls = loadControls().filter((c) => c.judgedOver === 'tls-required');
    expect(tls.map((c) => [c.id, c.evidence])).to.deep.equal([
      ['HIPAA-164.312(e)(2)(ii)', 'partial'],
      ['PCI-DSS-4.2.1', 'partial'],
    ]);
  });

  it('never calls a control satisfied that a live test cannot evidence', () => {
    const run = loadRun();
    const { evaluations } = evaluateControls(loadControls(), run.flows);
    const enc = evaluations.find((e) => e.control.id === 'HIPAA-164.312(e)(2)(ii)')!;
    expect(enc.flows).to.have.length(1);
    expect(enc.flows[0]!.verdict).to.equal('pass');
    // Its one tagged flow is a deny with no TLS requirement: reachability never shows encryption.
    expect(enc.status).to.equal('not-assessed');
    expect(enc.judged).to.deep.equal([]);
    expect(enc.why).to.include('The one tagged flow does not declare tls: required');
    expect(evaluations.find((e) => e.control.id === 'HIPAA-164.312(a)(1)')!.status).to.equal('not-satisfied');
    expect(evaluations.find((e) => e.control.id === 'SOC2-CC6.1')!.status).to.equal('inconclusive');
    // PCI 1.4's one tagged flow passed, but a segmentation control is judged over the whole run, which has a leak.
    expect(evaluations.find((e) => e.control.id === 'PCI-DSS-1.4')!.status).to.equal('not-satisfied');
    expect(evaluations.find((e) => e.control.id === 'SOC2-CC6.6')!.status).to.equal('supporting');
  });

  it('extends the map with --controls-map and renders the custom control', async () => {
    const map = join(root, 'extra.yaml');
    writeFileSync(
      map,
      `controls:
  - id: ACME-NET-7
    framework: ACME internal standard
    reference: NET-7
    title: Tenants are isolated
    evidence: direct
    shows: Cross-tenant paths were denied with live traffic.
    doesNotShow: Isolation of storage or compute.
`,
    );
    const run = loadRun();
    run.flows[2]!.controls = [...run.flows[2]!.controls, 'ACME-NET-7'];
    const out = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'custom'), controlsMapPath: map });
    const html = readFileSync(join(out.dir, 'index.html'), 'utf8');
    expect(html).to.include('ACME internal standard NET-7: Tenants are isolated');
    expect(readFileSync(join(out.dir, 'oscal-assessment-results.json'), 'utf8')).to.include('"target-id": "ACME-NET-7"');
  });

  it('reports a bad control map as bad input with file:line:col', () => {
    const map = join(root, 'bad.yaml');
    writeFileSync(map, 'controls:\n  - id: X-1\n    framework: F\n    reference: R\n    title: T\n    evidence: total\n    shows: s\n    doesNotShow: d\n');
    let caught: unknown;
    try {
      loadControls(map);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(InputError);
    expect((caught as InputError).message).to.match(new RegExp(`${map.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:15: controls\\.0\\.evidence`));
  });
});
