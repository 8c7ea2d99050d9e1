// Allure: the mocha run's results are copied into the bundle and a single-file HTML is made
// offline (Java needed); without Java the bundle is still written, with a warning.
// Controls: the built-in map is data, --controls-map extends it, bad maps are bad input.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.ts';
import { evaluateControls, loadControls, verifyBundle, writeBundle } from '../../lib/report/index.ts';
import { requireCommand } from '../helpers/env.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

/** One allure-js result file, as allure-mocha writes it for a passed test. */
function writeAllureResult(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const uuid = '0b5a3c8e-3f7e-4d7b-9a55-1c2d3e4f5a6b';
  writeFileSync(
    join(dir, `${uuid}-result.json`),
    JSON.stringify({
      uuid,
      historyId: 'a1b2c3',
      name: 'api-gateway reaches postgres',
      fullName: 'voiceassist: api-gateway reaches postgres',
      status: 'passed',
      stage: 'finished',
      start: 1795428900000,
      stop: 1795428900041,
      labels: [{ name: 'suite', value: 'voiceassist' }],
      steps: [],
      attachments: [],
      parameters: [],
      links: [],
    }),
  );
}

describe('report: allure results and HTML', function () {
  this.timeout(300_000);
  let root: string;
  before(() => {
    root = tempDir('allure');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('copies the results and generates a single-file HTML offline', async function () {
    requireCommand(this, 'java', 'openjdk-17-jre-headless');
    const results = join(root, 'allure-in');
    writeAllureResult(results);
    const run = loadRun();
    const out = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'with-java'), allureResultsDir: results });
    expect(out.warnings.filter((w) => w.startsWith('allure'))).to.deep.equal([]);
    expect(out.allureHtml).to.equal(true);
    expect(readdirSync(join(out.dir, 'allure-results'))).to.deep.equal(readdirSync(results));
    expect(readFileSync(join(out.dir, 'allure-report', 'index.html'), 'utf8')).to.match(/<html/i);
    expect(out.files).to.include('allure-report/index.html');
    expect((await verifyBundle(out.dir)).ok).to.equal(true);
  });

  it('skips the HTML with a warning when java is missing, and still writes a valid bundle', async () => {
    const results = join(root, 'allure-in-2');
    writeAllureResult(results);
    const savedPath = process.env.PATH;
    process.env.PATH = join(root, 'empty-path');
    let out;
    try {
      const run = loadRun();
      out = await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'no-java'), allureResultsDir: results });
    } finally {
      process.env.PATH = savedPath;
    }
    expect(out.allureHtml).to.equal(false);
    expect(out.warnings.join('\n')).to.include('java not found');
    expect(readdirSync(join(out.dir, 'allure-results'))).to.have.length(1);
    expect((await verifyBundle(out.dir)).ok).to.equal(true);
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
      'PCI-DSS-11.4.5',
      'PCI-DSS-11.4.6',
      'SOC2-CC6.1',
      'SOC2-CC6.6',
    ]);
    const none = loadControls().filter((c) => c.evidence === 'none').map((c) => c.id);
    expect(none.sort()).to.deep.equal(['HIPAA-164.312(c)(1)', 'HIPAA-164.312(d)', 'HIPAA-164.312(e)(2)(ii)']);
  });

  it('never calls a control satisfied that a live test cannot evidence', () => {
    const run = loadRun();
    const { evaluations } = evaluateControls(loadControls(), run.flows);
    const enc = evaluations.find((e) => e.control.id === 'HIPAA-164.312(e)(2)(ii)')!;
    expect(enc.flows).to.have.length(1);
    expect(enc.flows[0]!.verdict).to.equal('pass');
    expect(enc.status).to.equal('not-assessed');
    expect(evaluations.find((e) => e.control.id === 'HIPAA-164.312(a)(1)')!.status).to.equal('not-satisfied');
    expect(evaluations.find((e) => e.control.id === 'SOC2-CC6.1')!.status).to.equal('inconclusive');
    expect(evaluations.find((e) => e.control.id === 'PCI-DSS-1.4')!.status).to.equal('satisfied');
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

  it('reports a bad control map as bad input with file:line', () => {
    const map = join(root, 'bad.yaml');
    writeFileSync(map, 'controls:\n  - id: X-1\n    framework: F\n    reference: R\n    title: T\n    evidence: total\n    shows: s\n    doesNotShow: d\n');
    let caught: unknown;
    try {
      loadControls(map);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(InputError);
    expect((caught as InputError).message).to.match(new RegExp(`${map.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: controls\\.0\\.evidence`));
  });
});
