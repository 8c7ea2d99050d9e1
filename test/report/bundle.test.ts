// The evidence bundle: every file is written, machine formats are valid (JUnit parses, the
// OSCAL document validates against the official 1.1.2 schema, PolicyReports have the right
// shapes), and nothing secret gets in.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseAllDocuments } from 'yaml';
import { bundleDirName, writeBundle } from '../../lib/report/index.ts';
import { sha256File } from '../../lib/report/manifest.ts';
import type { RunResult } from '../../lib/types.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = join(here, '..', 'fixtures', 'oscal', 'oscal_assessment-results_schema.json');
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function allFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? allFiles(full, base) : [full.slice(base.length + 1)];
  });
}

describe('report: evidence bundle', function () {
  let root: string;
  let dir: string;
  let run: RunResult;

  before(async function () {
    root = tempDir('bundle');
    run = loadRun();
    const out = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, bundleDirName(run.suite, new Date(run.startedAt))) });
    dir = out.dir;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('names the directory <suite>-<UTC timestamp>', () => {
    expect(bundleDirName('voiceassist', new Date('2026-11-23T10:15:00.123Z'))).to.equal('voiceassist-20261123T101500Z');
    expect(dir.endsWith('voiceassist-20261123T101500Z')).to.equal(true);
  });

  it('writes every evidence file', () => {
    const files = allFiles(dir);
    for (const f of ['results.json', 'junit.xml', 'summary.md', 'index.html', 'oscal-assessment-results.json', 'policy-report.yaml', 'controls.yaml', 'manifest.sha256', 'policies/voiceassist/default-deny.yaml', 'policies/voiceassist/allow-gateway-to-redis.yaml']) {
      expect(files, f).to.include(f);
    }
  });

  it('keeps results.json in the stable RunResult shape, with the suite justification added', () => {
    const written = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(Object.keys(written)).to.include.members(['suite', 'provider', 'startedAt', 'finishedAt', 'summary', 'flows', 'meta']);
    expect(written.summary).to.deep.equal({ pass: 7, fail: 1, error: 1 });
    expect(written.flows).to.have.length(run.flows.length);
    expect(written.flows[0]!.justification).to.match(/required for operation/);
    expect(written.flows[2]!.justification, 'deny flows carry no suite reason in the fixture').to.equal(undefined);
  });

  it('writes a JUnit file that parses, with one testcase per flow, failures and errors', () => {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testcase' || name === 'property' }).parse(xml);
    const suite = doc.testsuites.testsuite;
    const cases = suite.testcase as Array<Record<string, unknown>>;
    expect(cases).to.have.length(run.flows.length);
    // Every flow once, the leak first.
    expect(cases.map((c) => c['@name']).sort()).to.deep.equal(run.flows.map((f) => f.name).sort());
    expect(cases[0]!['@name']).to.equal('other tenant cannot reach redis');
    expect(suite['@tests']).to.equal(String(run.flows.length));
    expect(suite['@failures']).to.equal('1');
    expect(suite['@errors']).to.equal('1');
    const failing = cases.filter((c) => c.failure);
    expect(failing).to.have.length(1);
    const failure = failing[0]!.failure as Record<string, string>;
    expect(failing[0]!['@name']).to.equal('other tenant cannot reach redis');
    const text = failure['#text']!;
    expect(text).to.include('declared:  deny');
    expect(text).to.include('predicted: allow (decided by voiceassist/allow-gateway-to-redis ingress[0])');
    expect(text).to.include('observed:  allow (ALLOWED)');
    expect(text).to.include('redis-cli -h 10.244.1.11 -p 6379 PING');
    expect(failure['@message']).to.include('voiceassist/allow-gateway-to-redis ingress[0]');
    const erroring = cases.filter((c) => c.error);
    expect(erroring.map((c) => c['@name'])).to.deep.equal(['prometheus scrapes api-gateway metrics']);
    expect((erroring[0]!.error as Record<string, string>)['@type']).to.equal('inconclusive');
  });

  it('writes OSCAL 1.1.2 assessment results that validate against the official schema', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { $id: string };
    expect(schema.$id).to.equal('http://csrc.nist.gov/ns/oscal/1.1.2/oscal-ar-schema.json');
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const doc = JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'));
    const ok = validate(doc);
    expect(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2)).to.equal(true);
    // The validator really checks: a document without the required observation methods fails.
    const broken = JSON.parse(JSON.stringify(doc));
    delete broken['assessment-results'].results[0].observations[0].methods;
    expect(validate(broken)).to.equal(false);
    const ar = doc['assessment-results'];
    expect(ar.metadata['oscal-version']).to.equal('1.1.2');
    const result = ar.results[0];
    expect(result.observations).to.have.length(run.flows.length);
    expect(result.observations.every((o: { methods: string[] }) => o.methods.includes('TEST'))).to.equal(true);
    // Findings only for controls this test can evidence; encryption (e)(2)(ii) is tagged on a flow without tls: required, so not judged.
    const targets = result.findings.map((f: { target: { 'target-id': string } }) => f.target['target-id']);
    expect(targets).to.include.members(['HIPAA-164.312-a-1', 'HIPAA-164.312-e-1', 'PCI-DSS-1.3', 'PCI-DSS-11.4.5', 'SOC2-CC6.1', 'HIPAA-164.312-b']);
    expect(targets).to.not.include('HIPAA-164.312-e-2-ii');
    const accessControl = result.findings.find((f: { target: { 'target-id': string } }) => f.target['target-id'] === 'HIPAA-164.312-a-1');
    expect(accessControl.target.status.state).to.equal('not-satisfied');
    const inconclusive = result.findings.find((f: { target: { 'target-id': string } }) => f.target['target-id'] === 'SOC2-CC6.1');
    expect(inconclusive.target.status).to.include({ state: 'not-satisfied', reason: 'other' });
    // Evidence links carry the SHA-256 of the bundle files they point at.
    const resources = ar['back-matter'].resources as Array<{ rlinks?: Array<{ href: string; hashes: Array<{ algorithm: string; value: string }> }> }>;
    const linked = resources.flatMap((r) => r.rlinks ?? []);
    expect(linked.map((l) => l.href)).to.include.members(['results.json', 'junit.xml', 'policy-report.yaml', 'policies/voiceassist/default-deny.yaml']);
    for (const l of linked) expect(l.hashes[0]).to.deep.equal({ algorithm: 'SHA-256', value: sha256File(join(dir, l.href)) });
    expect(ar['import-ap'].href).to.match(/^#[0-9a-f-]{36}$/);
  });

  it('derives OSCAL UUIDs deterministically from the run id and flow name', async () => {
    const again = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'again') });
    const a = JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'];
    const b = JSON.parse(readFileSync(join(again.dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'];
    expect(b.uuid).to.equal(a.uuid);
    expect(b.results[0].observations.map((o: { uuid: string }) => o.uuid)).to.deep.equal(a.results[0].observations.map((o: { uuid: string }) => o.uuid));
    const other = { ...run, meta: { ...run.meta!, runId: 'another-run' } };
    const third = await writeBundle({ run: other, suite: suiteFor(other), outDir: join(root, 'third') });
    const c = JSON.parse(readFileSync(join(third.dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'];
    expect(c.results[0].observations[0].uuid).to.not.equal(a.results[0].observations[0].uuid);
  });

  it('writes wgpolicyk8s.io/v1alpha2 PolicyReports with one result per flow', () => {
    const docs = parseAllDocuments(readFileSync(join(dir, 'policy-report.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs.length).to.be.greaterThan(0);
    const results = docs.flatMap((d) => {
      expect(d.apiVersion).to.equal('wgpolicyk8s.io/v1alpha2');
      expect(d.kind).to.equal('PolicyReport');
      expect(d.metadata.namespace).to.be.a('string');
      expect(d.summary).to.have.all.keys('pass', 'fail', 'warn', 'error', 'skip');
      return d.results as Array<Record<string, unknown>>;
    });
    expect(results).to.have.length(run.flows.length);
    expect(results.map((r) => r.rule).sort()).to.deep.equal(run.flows.map((f) => f.name).sort());
    for (const r of results) {
      expect(r.policy).to.equal('flowproof/voiceassist');
      expect(['pass', 'fail', 'error']).to.include(r.result);
      const ts = r.timestamp as { seconds: number; nanos: number };
      expect(Number.isInteger(ts.seconds) && Number.isInteger(ts.nanos)).to.equal(true);
      expect(ts.nanos).to.be.within(0, 999_999_999);
      for (const v of Object.values(r.properties as Record<string, unknown>)) expect(v).to.be.a('string');
    }
    expect(results.find((r) => r.rule === 'other tenant cannot reach redis')!.result).to.equal('fail');
    expect(results.find((r) => r.rule === 'prometheus scrapes api-gateway metrics')!.result).to.equal('error');
  });

  it('writes summary.md with the verdict and the violation', () => {
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).to.include('VIOLATIONS');
    expect(md).to.include('other tenant cannot reach redis');
    expect(md).to.include('voiceassist/allow-gateway-to-redis ingress[0]');
  });

  it('appends the summary to $GITHUB_STEP_SUMMARY when it is set', async () => {
    const summaryFile = join(root, 'step-summary.md');
    const before = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    try {
      await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'gh') });
      await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'gh2') });
    } finally {
      if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = before;
    }
    const text = readFileSync(summaryFile, 'utf8');
    expect(text.split('## flowproof: voiceassist').length - 1, 'appended once per run').to.equal(2);
  });

  it('never overwrites an earlier bundle of the same second', async () => {
    const first = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'same') });
    const second = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'same') });
    expect(second.dir).to.not.equal(first.dir);
    expect(second.dir).to.equal(`${first.dir}-2`);
  });
});
