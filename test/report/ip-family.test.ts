// The IP family of each flow record in every report format: JUnit evidence text, OSCAL prop,
// the evidence text (JUnit failure/system-out, HTML transcript) and the HTML path line.
import { expect } from 'chai';
import { flowEvidenceText } from '../../lib/report/flow-view.ts';
import { renderJunit } from '../../lib/report/junit.ts';
import { renderOscal } from '../../lib/report/oscal.ts';
import type { RunResult } from '../../lib/types.ts';
import { loadRun } from './fixture.ts';

function dualRun(): RunResult {
  const run = loadRun();
  const f = run.flows[0]!;
  const v6 = {
    ...f,
    name: `${f.name} [IPv6]`,
    family: 'IPv6' as const,
    source: { ...f.source, ip: 'fd00:10:244::2' },
    destination: { ...f.destination, ip: 'fd00:10:96::2' },
  };
  return { ...run, flows: [{ ...f, name: `${f.name} [IPv4]`, family: 'IPv4' }, v6] };
}

describe('report: the IP family of every record', () => {
  it('JUnit: the evidence text of each testcase names its family (junit-10.xsd allows no testcase properties)', () => {
    const xml = renderJunit(dualRun());
    expect(xml).to.match(/probe \S+ over IPv6/);
    expect(xml).to.match(/probe \S+ over IPv4/);
  });

  it('the evidence text says which family the path was probed over', () => {
    const [, v6] = dualRun().flows;
    expect(flowEvidenceText(v6!).split('\n')[1]).to.match(/^path: .*\(fd00:10:244::2\).*\(fd00:10:96::2\).* over IPv6$/);
  });

  it('OSCAL: an ip-family prop on each observation', () => {
    const doc = JSON.parse(renderOscal(dualRun(), [], [])) as { 'assessment-results': { results: Array<{ observations: Array<{ title: string; props: Array<{ name: string; value: string }> }> }> } };
    const obs = doc['assessment-results'].results[0]!.observations;
    expect(obs.map((o) => o.props.find((p) => p.name === 'ip-family')?.value)).to.deep.equal(['IPv4', 'IPv6']);
  });

  it('a record without a family (an older bundle) renders as before', () => {
    const run = loadRun();
    expect(renderJunit(run)).to.not.include('name="family"');
  });
});
