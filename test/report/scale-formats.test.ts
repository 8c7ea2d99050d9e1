// Issue 19 item 4: the other formats of a 19,800-record run stay workable. OSCAL groups the
// passing observations per namespace pair (each flow that did not pass keeps its own) and
// still validates; summary.md keeps at most five columns and a bounded length (passes
// summarized, failures listed up to a number, then counted); junit.xml has every testcase;
// allure-results/ has one result per flow and no file written twice. Times are printed, never
// asserted beyond a generous bound (bench/report.ts measures them).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { renderAllureResults } from '../../lib/report/allure.ts';
import { evaluateControls, loadControls } from '../../lib/report/controls.ts';
import { renderJunit } from '../../lib/report/junit.ts';
import { renderOscal } from '../../lib/report/oscal.ts';
import { renderSummary, SUMMARY_MAX_LISTED } from '../../lib/report/summary.ts';
import type { RunResult } from '../../lib/types.ts';
import { loadRun } from './fixture.ts';
import { scaleRun } from './scale-fixture.ts';

const here = dirname(fileURLToPath(import.meta.url));
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function timed<T>(what: string, f: () => T): T {
  const t = performance.now();
  const out = f();
  console.log(`      ${what}: ${(performance.now() - t).toFixed(0)} ms`);
  return out;
}

interface Observation {
  uuid: string;
  title: string;
  props: Array<{ name: string; value: string }>;
}

describe('report: the other formats of a 19,800-record run', function () {
  this.timeout(300_000);
  const run = scaleRun();
  const { evaluations } = evaluateControls(loadControls(), run.flows);
  const notPassing = run.flows.filter((f) => f.verdict !== 'pass');

  it('OSCAL: passing flows grouped per namespace pair, each other flow an observation of its own; it validates', () => {
    const text = timed('OSCAL', () => renderOscal(run, evaluations, []));
    console.log(`      OSCAL: ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB`);
    expect(Buffer.byteLength(text)).to.be.below(3_000_000);
    const doc = JSON.parse(text);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(here, '..', 'fixtures', 'oscal', 'oscal_assessment-results_schema.json'), 'utf8')));
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).to.equal(true);
    const result = doc['assessment-results'].results[0];
    const observations = result.observations as Observation[];
    const grouped = observations.filter((o) => o.props.some((p) => p.name === 'grouping'));
    const single = observations.filter((o) => !grouped.includes(o));
    expect(single.map((o) => o.title).sort()).to.deep.equal(notPassing.map((f) => f.name).sort());
    expect(grouped).to.have.length(100); // every namespace pair has passing flows
    const count = (o: Observation) => Number(o.props.find((p) => p.name === 'grouped-flows')!.value);
    expect(grouped.reduce((n, o) => n + count(o), 0)).to.equal(run.summary.pass);
    expect(result.remarks).to.include(`the ${run.summary.pass} that passed are grouped into 100 observations, one per namespace pair`);
    // Findings point at existing observations, each once.
    const uuids = new Set(observations.map((o) => o.uuid));
    for (const finding of result.findings as Array<{ 'related-observations': Array<{ 'observation-uuid': string }> }>) {
      const related = finding['related-observations'].map((r) => r['observation-uuid']);
      expect(new Set(related).size).to.equal(related.length);
      for (const u of related) expect(uuids.has(u)).to.equal(true);
    }
  });

  it('OSCAL of a small run keeps one observation per flow', () => {
    const small = loadRun();
    const doc = JSON.parse(renderOscal(small, evaluateControls(loadControls(), small.flows).evaluations, []));
    const observations = doc['assessment-results'].results[0].observations as Observation[];
    expect(observations.map((o) => o.title)).to.deep.equal(small.flows.map((f) => f.name));
  });

  /** Every markdown table row's cell count. */
  const columns = (md: string) => md.split('\n').filter((l) => l.startsWith('|')).map((l) => l.slice(1, -1).split(/(?<!\\)\|/).length);

  it('summary.md: at most five columns, passes summarized, every failure listed, bounded length', () => {
    const md = timed('summary.md', () => renderSummary(run, evaluations));
    expect(Math.max(...columns(md))).to.be.at.most(5);
    expect(md.length).to.be.below(64_000);
    expect(md).to.include(`- **Passed:** ${run.summary.pass} of ${run.flows.length} flows`);
    expect(md).to.include('### Namespace pairs with a flow that did not pass');
    for (const f of notPassing) expect(md).to.include(f.name);
  });

  it('summary.md of a run where every flow failed lists the first ones and counts the rest', () => {
    const worst: RunResult = scaleRun({ leaks: 20_000, blocked: 20_000 });
    const md = timed('summary.md, every flow failing', () => renderSummary(worst, evaluateControls(loadControls(), worst.flows).evaluations));
    expect(Math.max(...columns(md))).to.be.at.most(5);
    expect(md.length).to.be.below(100_000);
    expect(md).to.include(`…and ${worst.flows.length - SUMMARY_MAX_LISTED} more that did not pass`);
    expect(md).to.include('more pairs with a flow that did not pass');
  });

  it('junit.xml: one testcase per flow', () => {
    const xml = timed('junit.xml', () => renderJunit(run));
    expect(xml.match(/<testcase /g) ?? []).to.have.length(run.flows.length);
    expect(xml.match(/<failure /g) ?? []).to.have.length(run.summary.fail);
  });

  it('allure-results/: one result per flow, each file written once', () => {
    const files = timed('allure-results/', () => renderAllureResults(run));
    expect(files.filter((f) => f.path.endsWith('-result.json'))).to.have.length(run.flows.length);
    expect(new Set(files.map((f) => f.path)).size).to.equal(files.length);
  });
});
