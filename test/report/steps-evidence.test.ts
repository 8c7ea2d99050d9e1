// The evidence of a run with policy steps (spec.steps), on a synthetic run: results.json keeps
// `steps` and each record's `step`; junit.xml has a testsuite per step (and validates against
// junit-10.xsd), Allure a subSuite label per step, index.html a section per step with the
// policies in force linked to their copies (a step's own under policies/_steps/), summary.md a
// row per step; a step name that is markup stays text; a crafted results.json does not break
// the grouping; a run without steps keeps one testsuite.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { renderAllureResults } from '../../lib/report/allure.ts';
import { stepGroups } from '../../lib/report/flow-view.ts';
import { bundleDirName, writeBundle } from '../../lib/report/index.ts';
import { renderJunit } from '../../lib/report/junit.ts';
import { stepPolicyCopy } from '../../lib/report/policy-ref.ts';
import { verifyBundle } from '../../lib/report/manifest.ts';
import { countVerdicts, type PolicyRecord, type RunResult, type Suite } from '../../lib/types.ts';
import { hasCommand } from '../helpers/env.ts';
import { loadPolicies, loadRun, suiteFor, tempDir } from './fixture.ts';

const xsd = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'junit', 'junit-10.xsd');
const HOSTILE = '<img src=x onerror=alert(1)> & "locked"';

/** The voiceassist fixture as two steps: its first four flows in "open", the rest in a hostile-named second step. */
function steppedRun(): { run: RunResult; suite: Suite } {
  const run = loadRun();
  const records = run.meta!.policies;
  const tighten: PolicyRecord = { name: 'tighten', namespace: 'voiceassist', file: 'suites/voiceassist.yaml', sha256: 'f'.repeat(64) };
  const names = ['open', HOSTILE];
  run.flows = run.flows.map((f, i) => {
    const step = names[i < 4 ? 0 : 1]!;
    return { ...f, name: `${step}: ${f.name}`, step };
  });
  const first = run.flows.filter((f) => f.step === 'open');
  const second = run.flows.filter((f) => f.step === HOSTILE);
  run.steps = [
    { name: 'open', policies: [records[0]!], startedAt: '2026-11-23T10:15:01.000Z', finishedAt: '2026-11-23T10:15:03.500Z', summary: countVerdicts(first) },
    { name: HOSTILE, policies: [...records, tighten], startedAt: '2026-11-23T10:15:03.500Z', finishedAt: '2026-11-23T10:15:09.000Z', summary: countVerdicts(second) },
  ];
  const suite = suiteFor(run);
  const base = loadPolicies();
  const own = { ...base[1]!, policy: { ...base[1]!.policy, metadata: { ...base[1]!.policy.metadata, name: 'tighten' } }, text: base[1]!.text.replace('allow-gateway-to-redis', 'tighten') };
  suite.policies = [base[0]!];
  suite.steps = [
    { name: 'open', policies: [], source: { file: suite.file, line: 20 } },
    { name: HOSTILE, policies: [base[1]!, own], source: { file: suite.file, line: 30 } },
  ];
  suite.flows = suite.flows.map((f, i) => ({ ...f, name: run.flows[i]!.name, step: run.flows[i]!.step }));
  return { run, suite };
}

describe('report: a run with policy steps', function () {
  let root: string;
  let dir: string;
  let run: RunResult;

  before(async function () {
    root = tempDir('steps');
    const stepped = steppedRun();
    run = stepped.run;
    dir = (await writeBundle({ run, suite: stepped.suite, outDir: join(root, bundleDirName(run.suite, new Date(run.startedAt))) })).dir;
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  it('results.json keeps the steps and each record its step (additive: the flows are all there, in step order)', () => {
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(saved.steps!.map((s) => [s.name, s.summary, s.policies.length])).to.deep.equal([
      ['open', countVerdicts(run.flows.slice(0, 4)), 1],
      [HOSTILE, countVerdicts(run.flows.slice(4)), 3],
    ]);
    expect(saved.flows.map((f) => f.step)).to.deep.equal([...Array(4).fill('open'), ...Array(5).fill(HOSTILE)]);
    expect(saved.summary).to.deep.equal(run.summary);
  });

  it('junit.xml: one testsuite per step with its own counts, time and policies in force; each testcase under its step', () => {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { tests: string; testsuite: Array<{ name: string; tests: string; failures: string; errors: string; time: string; timestamp: string; properties: { property: Array<{ name: string; value: string }> }; testcase: Array<{ name: string }> | { name: string } }> };
    };
    const suites = doc.testsuites.testsuite;
    expect(doc.testsuites.tests).to.equal('9');
    expect(suites.map((s) => [s.name, s.tests, s.failures, s.errors, s.time, s.timestamp])).to.deep.equal([
      ['flowproof.voiceassist.open', '4', String(run.steps![0]!.summary.fail), String(run.steps![0]!.summary.error), '2.500', '2026-11-23T10:15:01.000Z'],
      [`flowproof.voiceassist.${HOSTILE}`, '5', String(run.steps![1]!.summary.fail), String(run.steps![1]!.summary.error), '5.500', '2026-11-23T10:15:03.500Z'],
    ]);
    const props = (i: number) => Object.fromEntries(suites[i]!.properties.property.map((p) => [p.name, p.value]));
    expect(props(1)).to.include({ step: HOSTILE, stepNumber: '2', policiesInForce: 'voiceassist/default-deny, voiceassist/allow-gateway-to-redis, voiceassist/tighten' });
    expect(props(0).policiesInForce).to.equal('voiceassist/default-deny');
    const cases = (i: number) => ([] as Array<{ name: string }>).concat(suites[i]!.testcase).map((c) => c.name);
    expect(cases(0).every((n) => n.startsWith('open: '))).to.equal(true);
    expect(cases(1)).to.have.length(5);
    expect(cases(1).every((n) => n.startsWith(`${HOSTILE}: `))).to.equal(true);
    expect(xml).to.not.include('<img');
  });

  it("junit.xml with steps validates against Jenkins' junit-10.xsd", async function () {
    if (!hasCommand('xmllint')) {
      console.log('    skipped: xmllint not found (apt-get install libxml2-utils)');
      this.skip();
    }
    const file = join(root, 'steps-junit.xml');
    writeFileSync(file, readFileSync(join(dir, 'junit.xml')));
    const r = await execa('xmllint', ['--noout', '--schema', xsd, file], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
  });

  it('Allure: a subSuite label per step (flowproof > suite > step), unique history ids', () => {
    const results = renderAllureResults(run)
      .filter((f) => f.path.endsWith('-result.json'))
      .map((f) => JSON.parse(f.content) as { name: string; historyId: string; labels: Array<{ name: string; value: string }> });
    expect(results).to.have.length(9);
    for (const r of results) {
      const label = (n: string) => r.labels.filter((l) => l.name === n).map((l) => l.value);
      expect(label('parentSuite')).to.deep.equal(['flowproof']);
      expect(label('suite')).to.deep.equal(['voiceassist']);
      expect(label('subSuite')).to.deep.equal([r.name.startsWith('open: ') ? 'open' : HOSTILE]);
    }
    expect(new Set(results.map((r) => r.historyId)).size).to.equal(9);
    // Without steps: no subSuite label.
    const plain = renderAllureResults(loadRun()).filter((f) => f.path.endsWith('-result.json'));
    expect(plain.every((f) => !f.content.includes('"subSuite"'))).to.equal(true);
  });

  it("index.html: a section per step with its times, counts, the policies in force linked to their copies (a step's own under policies/_steps/), markup in a step name as text", () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).to.include('<h2 id="steps">Policy steps</h2>');
    const section = (n: number) => html.slice(html.indexOf(`id="step-${n}"`), n === 1 ? html.indexOf('id="step-2"') : html.indexOf('<h2 id="matrix"'));
    expect(section(1)).to.include('Step 1 of 2: open');
    expect(section(1)).to.include('2026-11-23T10:15:01.000Z → 2026-11-23T10:15:03.500Z (2.5 s)');
    expect(section(1)).to.include('<a href="policies/voiceassist/default-deny.yaml">');
    expect(section(1)).to.not.include('tighten');
    const own = stepPolicyCopy(2, HOSTILE, { name: 'tighten', namespace: 'voiceassist' });
    expect(own).to.match(/^policies\/_steps\/02-_img_src_x_onerror_alert_1_[^/]*\/voiceassist\/tighten\.yaml$/);
    expect(existsSync(join(dir, own))).to.equal(true);
    expect(readFileSync(join(dir, own), 'utf8')).to.include('name: tighten');
    expect(section(2)).to.include(`<a href="${own.split('/').map(encodeURIComponent).join('/')}">`);
    // The base policy in force in step 2 links to its base copy; the step's own copy of it too.
    expect(section(2)).to.include('<a href="policies/voiceassist/default-deny.yaml">');
    expect(section(2)).to.include('Step 2 of 2: &lt;img src=x onerror=alert(1)&gt; &amp; &quot;locked&quot;');
    expect(html).to.not.include('<img src=x');
    for (const f of run.flows) expect(html).to.include(f.name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
  });

  it('summary.md: a row per step with the policies in force and its counts', () => {
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).to.include('### Policy steps (one world, the policies replaced at each step)');
    const s1 = run.steps![0]!.summary;
    expect(md).to.include(`| 1. open | voiceassist/default-deny | ${s1.pass} | ${s1.fail} | ${s1.error} |`);
    expect(md).to.include('| 2. &lt;img src=x onerror=alert(1)&gt; &amp; "locked" |');
  });

  it('the bundle verifies', async () => {
    const check = await verifyBundle(dir);
    expect(check.ok, check.problems.join('\n')).to.equal(true);
  });

  it('stepGroups reads a crafted results.json as it may be: steps not a list, a flow in an unrecorded step', () => {
    const crafted = JSON.parse(JSON.stringify(run)) as RunResult;
    (crafted as unknown as { steps: unknown }).steps = 'nope';
    expect(stepGroups(crafted).map((g) => [g.name, g.flows.length])).to.deep.equal([[undefined, 9]]);
    const stray = JSON.parse(JSON.stringify(run)) as RunResult;
    stray.flows[8]!.step = 'not recorded';
    expect(stepGroups(stray).map((g) => [g.number, g.name, g.flows.length])).to.deep.equal([
      [1, 'open', 4],
      [2, HOSTILE, 4],
      [3, 'not recorded', 1],
    ]);
    expect(() => renderJunit(stray)).to.not.throw();
  });

  it('a run without steps: one testsuite named after the suite, as before', () => {
    const xml = renderJunit(loadRun());
    expect(xml.match(/<testsuite /g)).to.have.length(1);
    expect(xml).to.include('<testsuite name="flowproof.voiceassist" tests="9"');
    expect(xml).to.not.include('name="step"');
  });
});
