// A control's status over the whole run: a segmentation control (PCI 1.3.x, 1.4.x, 11.4.5,
// 11.4.6; HIPAA 164.312(a)(1), (e)(1)) is judged over every flow of the run, so one passing
// tagged flow never shows green while other flows of the same run violate segmentation.
// Partial controls read "Supporting (partial)", never "Evidenced". PCI DSS v4.0.1 ids.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { evaluateControls, loadControls, writeBundle } from '../../lib/report/index.ts';
import { findControl, statusLabel } from '../../lib/report/controls.ts';
import type { RunResult } from '../../lib/types.ts';
import { loadRun, suiteFor, tempDir } from './fixture.ts';

/** The run: PCI 11.4.5 tagged on one passing flow only, while three other flows violate (two leaks, one blocked). */
function oneGreenFlowRun(): RunResult {
  const run = loadRun();
  run.evidenceClass = 'cluster';
  run.meta!.fingerprint.evidenceClass = 'cluster';
  for (const f of run.flows) f.controls = f.controls.filter((c) => !c.startsWith('PCI-DSS-11.4'));
  run.flows.find((f) => f.name === 'sip-server cannot reach voiceassist postgres')!.controls.push('PCI-DSS-11.4.5');
  Object.assign(run.flows.find((f) => f.name === 'other tenant cannot reach postgres')!, { observed: 'ALLOWED', verdict: 'fail', finding: 'leak', reason: 'Leak: declared deny, but the target answered on attempt 1 of 1.' });
  Object.assign(run.flows.find((f) => f.name === 'api-gateway reaches postgres')!, { observed: 'DENIED', verdict: 'fail', finding: 'blocked', reason: 'Blocked: declared allow, but the flow was dropped while the target serves.' });
  const prom = run.flows.find((f) => f.name === 'prometheus scrapes api-gateway metrics')!;
  Object.assign(prom, { observed: 'ALLOWED', verdict: 'pass', reason: 'Allowed as declared.' });
  run.summary = { pass: 6, fail: 3, error: 0 };
  return run;
}

describe('report: control status over the whole run', () => {
  let root: string;
  before(() => {
    root = tempDir('control-status');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('PCI 11.4.5 on one passing flow is violated when three flows of the same run violate segmentation', () => {
    const run = oneGreenFlowRun();
    const { evaluations } = evaluateControls(loadControls(), run.flows);
    const e = evaluations.find((x) => x.control.id === 'PCI-DSS-11.4.5')!;
    expect(e.flows.map((f) => f.name)).to.deep.equal(['sip-server cannot reach voiceassist postgres']);
    expect(e.flows[0]!.verdict).to.equal('pass');
    expect(e.judged).to.have.length(run.flows.length);
    expect(e.status).to.equal('not-satisfied');
    expect(e.why).to.equal(
      '3 of 9 flows of the run violated the declared expectation (none of them is tagged with this control). A segmentation control is judged over every flow of the run, not only the tagged ones.',
    );
    // Every segmentation control is judged so; a control judged over its tagged flows is not.
    for (const id of ['HIPAA-164.312(a)(1)', 'HIPAA-164.312(e)(1)', 'PCI-DSS-1.3', 'PCI-DSS-1.3.1', 'PCI-DSS-1.3.2', 'PCI-DSS-1.4', 'PCI-DSS-1.4.1', 'PCI-DSS-1.4.2', 'PCI-DSS-11.4.5', 'PCI-DSS-11.4.6']) {
      expect(findControl(loadControls(), id)!.judgedOver, id).to.equal('run');
    }
    expect(evaluations.find((x) => x.control.id === 'PCI-DSS-1.4')!.status, 'PCI 1.4: its one tagged flow passed').to.equal('not-satisfied');
    expect(evaluations.find((x) => x.control.id === 'SOC2-CC6.6')!.status, 'SOC 2 CC6.6 is judged on its tagged flow').to.equal('supporting');
  });

  it('the report lists the untagged violations under the control, and OSCAL relates them', async () => {
    const run = oneGreenFlowRun();
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'one-green') })).dir;
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const section = html.slice(html.indexOf('data-control="PCI-DSS-11.4.5"'), html.indexOf('</section>', html.indexOf('data-control="PCI-DSS-11.4.5"')));
    expect(section).to.include('<span class="pill s-not-satisfied">Violated</span>');
    expect(section).to.include('judged over every flow of the run');
    const untagged = /Also counted against this segmentation control, not tagged with it \((\d+)\): (.*?)\.<\/p>/.exec(section);
    expect(untagged?.[1]).to.equal('3');
    for (const name of ['other tenant cannot reach postgres', 'other tenant cannot reach redis', 'api-gateway reaches postgres']) expect(untagged![2]).to.include(`>${name}</a>`);
    const finding = JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].results[0].findings.find(
      (f: { target: { 'target-id': string } }) => f.target['target-id'] === 'PCI-DSS-11.4.5',
    );
    expect(finding.target.status).to.include({ state: 'not-satisfied', reason: 'fail' });
    expect(finding['related-observations']).to.have.length(4);
  });

  it('a partial control reads "Supporting (partial)", never "Evidenced", and OSCAL does not call it satisfied', async () => {
    const run = oneGreenFlowRun();
    const { evaluations } = evaluateControls(loadControls(), run.flows);
    const audit = evaluations.find((x) => x.control.id === 'HIPAA-164.312(b)')!;
    expect(audit.flows.every((f) => f.verdict === 'pass')).to.equal(true);
    expect(audit.status).to.equal('supporting');
    expect(statusLabel(audit.status, 'cluster')).to.equal('Supporting (partial)');
    const dir = (await writeBundle({ run, suite: suiteFor(run), outDir: join(root, 'partial') })).dir;
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const section = html.slice(html.indexOf('data-control="HIPAA-164.312(b)"'), html.indexOf('</section>', html.indexOf('data-control="HIPAA-164.312(b)"')));
    expect(section).to.include('Supporting (partial)');
    expect(section).to.not.include('Evidenced');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).to.include('| HIPAA-164.312(b) | partial | Supporting (partial) |');
    const finding = JSON.parse(readFileSync(join(dir, 'oscal-assessment-results.json'), 'utf8'))['assessment-results'].results[0].findings.find(
      (f: { target: { 'target-id': string } }) => f.target['target-id'] === 'HIPAA-164.312-b',
    );
    expect(finding.target.status.state).to.equal('not-satisfied');
    expect(finding.target.status.remarks).to.match(/^Partial evidence/);
  });

  it('PCI DSS v4.0.1 identifiers, 11.4.6 (service providers) among them', () => {
    const controls = loadControls();
    for (const id of ['PCI-DSS-1.3.1', 'PCI-DSS-1.3.2', 'PCI-DSS-1.4.1', 'PCI-DSS-1.4.2', 'PCI-DSS-1.4.4', 'PCI-DSS-11.4.5', 'PCI-DSS-11.4.6']) {
      expect(findControl(controls, id)?.framework, id).to.equal('PCI DSS v4.0.1');
    }
    expect(findControl(controls, 'PCI DSS 11.4.6')!.id).to.equal('PCI-DSS-11.4.6');
    expect(findControl(controls, 'PCI-DSS-4.0.1-1.3.1')!.id).to.equal('PCI-DSS-1.3.1');
    expect(findControl(controls, 'PCI-DSS-11.4.6')!.reference).to.match(/service providers/);
  });
});
