// The evidence class a provider states (netns emulated, kind test-cluster, kubeconfig
// cluster) is said in every view: the banner, summary.md, the terminal, results.json,
// JUnit, OSCAL and the PolicyReport. An emulated run never reads "Evidenced" and its OSCAL
// findings are never `satisfied`; a violation under emulation stays a real `fail`.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { NetnsProvider } from '../../lib/providers/netns/index.ts';
import { writeBundle } from '../../lib/report/index.ts';
import { printRunSummary, printRunsTable } from '../../lib/runner/summary.ts';
import type { EvidenceClass, RunResult } from '../../lib/types.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

interface Finding {
  title: string;
  description: string;
  target: { 'target-id': string; status: { state: string; reason: string; remarks?: string } };
}

/** The fixture as each provider would have recorded it; `allPass` turns its leak and inconclusive flow into passes. */
function runAs(cls: EvidenceClass, allPass = false): RunResult {
  const run = loadRun();
  const fp = run.meta!.fingerprint;
  if (cls === 'test-cluster') Object.assign(fp, { provider: 'kind', cni: 'calico', cniVersion: 'v3.29.1', kubernetesVersion: 'v1.33.1' });
  if (cls === 'cluster') Object.assign(fp, { provider: 'kubeconfig', cni: 'cilium', cniVersion: 'v1.16.3', kubernetesVersion: 'v1.31.4', clusterId: '5b1c7e2a-0f3d-4c2e-9a11-2e6f0d9b7c41' });
  fp.evidenceClass = cls;
  run.evidenceClass = cls;
  run.provider = fp.provider;
  if (allPass) {
    for (const f of run.flows) {
      if (f.verdict === 'pass') continue;
      Object.assign(f, { verdict: 'pass', observed: f.expect === 'allow' ? 'ALLOWED' : 'DENIED', finding: null, reason: 'as declared' });
    }
    run.summary = { pass: run.flows.length, fail: 0, error: 0 };
  }
  return run;
}

async function bundleOf(root: string, name: string, run: RunResult): Promise<string> {
  return (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, name) })).dir;
}

const findingsOf = (dir: string): Finding[] => JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].results[0].findings as Finding[];

describe('report: the evidence class in every view', () => {
  let root: string;
  before(() => {
    root = tempDir('evidence-class');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the netns provider states emulated itself', async () => {
    const fp = await new NetnsProvider({ log: () => {} }).fingerprint();
    expect(fp.evidenceClass).to.equal('emulated');
  });

  it('emulated: banner, evidence box, summary.md, JUnit, PolicyReport and results.json say design verification, never "live network" or "Evidenced"', async () => {
    const dir = await bundleOf(root, 'emulated', runAs('emulated', true));
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).to.match(/<section id="evidence-class" class="evidence-class ec-emulated" data-evidence-class="emulated"><b>Evidence class: Emulated: design verification\.<\/b> Emulated \(netns\): design verification of the policy documents under flowproof&#39;s own enforcement/);
    expect(html).to.include('says nothing about a deployed cluster or CNI');
    expect(html).to.not.include('on a live network');
    expect(html).to.match(/All 9 declared flows behaved as declared under flowproof&#39;s own enforcement of the policy documents \(emulated: a design check, not a deployed cluster\)/);
    expect(html).to.not.match(/>Evidenced</);
    expect(html).to.include('Holds in emulation (design only)');
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).to.include("**Evidence class: emulated.** Emulated (netns): design verification of the policy documents under flowproof's own enforcement");
    expect(md).to.not.match(/\| Evidenced \|/);
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).evidenceClass).to.equal('emulated');
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).to.include('<property name="evidenceClass" value="emulated"/>');
    const reports = parseAllDocuments(readFileSync(join(dir, 'policy-report.yaml'), 'utf8')).map((d) => d.toJS());
    for (const r of reports) {
      expect(r.metadata.annotations['flowproof/evidence-class']).to.equal('emulated');
      for (const res of r.results) expect(res.properties.evidenceClass).to.equal('emulated');
    }
  });

  it('emulated OSCAL: no finding says satisfied, even when every flow passed; a violation is still a real fail', async () => {
    const passing = findingsOf(await bundleOf(root, 'emulated-oscal', runAs('emulated', true)));
    expect(passing.length).to.be.greaterThan(3);
    for (const f of passing) {
      expect(f.target.status.state, f.title).to.equal('not-satisfied');
      expect(f.target.status.reason).to.equal('other');
      expect(f.target.status.remarks).to.match(/^Not shown: .*emulated/);
      expect(f.description).to.match(/^Emulated \(design verification of the policy documents\)\. /);
    }
    const violated = findingsOf(await bundleOf(root, 'emulated-leak', runAs('emulated')));
    const access = violated.find((f) => f.target['target-id'] === 'HIPAA-164.312-a-1')!;
    expect(access.target.status).to.include({ state: 'not-satisfied', reason: 'fail' });
    expect(access.target.status.remarks).to.match(/real finding about the policy documents/);
    const doc = JSON.parse(readFileSync(join(root, 'emulated-leak', 'oscal-assessment-results.json'), 'utf8'))['assessment-results'];
    expect(doc.metadata.props).to.deep.include({ name: 'evidence-class', ns: 'urn:flowproof:oscal', value: 'emulated' });
  });

  it('test-cluster: the named CNI and version in a disposable cluster', async () => {
    const run = runAs('test-cluster', true);
    const dir = await bundleOf(root, 'kind', run);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).to.include('data-evidence-class="test-cluster"');
    expect(html).to.include('Test cluster (kind): the policies as calico v3.29.1 enforced them in a disposable cluster (Kubernetes v1.33.1)');
    expect(html).to.include('behaved as declared on a disposable kind cluster with calico v3.29.1');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).to.include('**Evidence class: test-cluster.**');
    expect(findingsOf(dir).some((f) => f.target.status.state === 'satisfied'), 'a real CNI can show an objective satisfied').to.equal(true);
  });

  it("cluster: the cluster's id, Kubernetes and CNI versions", async () => {
    const dir = await bundleOf(root, 'cluster', runAs('cluster', true));
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).to.include('Cluster: the cluster with id 5b1c7e2a-0f3d-4c2e-9a11-2e6f0d9b7c41 (kube-system namespace UID), Kubernetes v1.31.4, CNI cilium v1.16.3');
    expect(html).to.include('<td>cluster 5b1c7e2a-0f3d-4c2e-9a11-2e6f0d9b7c41</td>');
    expect(html).to.match(/>Evidenced</);
  });

  it('the terminal summary states the class', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    printRunSummary({ run: runAs('emulated'), bundleDir: 'reports/x', signed: false, warnings: [] }, out);
    expect(text.split('\n')[2]).to.match(/^ {2}evidence class: emulated\. Emulated \(netns\): design verification of the policy documents/);
  });

  it('the table after several suites has a class column (and the leaks apart)', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    printRunsTable([{ run: runAs('emulated'), bundleDir: 'reports/a', signed: false, warnings: [] }, { run: runAs('cluster', true), bundleDir: 'reports/b', signed: false, warnings: [] }], out);
    const lines = text.trim().split('\n');
    expect(lines[0]).to.match(/^SUITE +CLASS +VERDICT +PASS +FAIL +LEAKS +ERROR +EVIDENCE$/);
    expect(lines[1]).to.match(/^voiceassist +emulated +violations +7 +1 +1 +1 +reports\/a\/index\.html$/);
    expect(lines[2]).to.match(/^voiceassist +cluster +as declared +9 +0 +0 +0 +reports\/b\/index\.html$/);
  });

  it('an older bundle without a class says so instead of guessing', async () => {
    const run = loadRun();
    delete run.evidenceClass;
    delete (run.meta!.fingerprint as { evidenceClass?: string }).evidenceClass;
    const dir = await bundleOf(root, 'old', run);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).to.include('Evidence class not recorded');
  });
});
