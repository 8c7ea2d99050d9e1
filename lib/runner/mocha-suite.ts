// Suites become mocha describe/it blocks: the flows are probed once, in parallel, in a
// before() hook; then each it() asserts its own flow's observation with chai and carries
// allure labels (suite, flow, control ids, severity) and the raw transcript.
import Mocha from 'mocha';
import AllureMochaReporter from 'allure-mocha';
import * as allure from 'allure-js-commons';
import { expect } from 'chai';
import type { FlowResult } from '../types.ts';

export interface MochaRunInput {
  suiteName: string;
  /** The suite file: allure-mocha needs every test to have one (it stalls without). */
  suiteFile: string;
  /** Probes every flow; called once from the before() hook. */
  probeAll: () => Promise<FlowResult[]>;
  flowNames: string[];
  /** Where allure-mocha writes its results (copied into the evidence bundle). */
  allureResultsDir: string;
  /** Print mocha's spec listing to stdout (off for --json). */
  consoleReporter: boolean;
}

/** A violation is critical; an inconclusive flow is a normal-severity defect of the run. */
function severityOf(r: FlowResult): string {
  if (r.verdict === 'fail') return 'critical';
  return r.expect === 'deny' ? 'critical' : 'normal';
}

export function transcriptOf(r: FlowResult): string {
  const lines = (r.attempts ?? []).map((a, i) => `--- attempt ${i + 1}: ${a.outcome} (${a.detail}) in ${a.durationMs} ms at ${a.startedAt}\n${a.transcript}`);
  if (r.control) lines.push(`--- liveness control from inside the target: ${r.control.outcome} (${r.control.detail})\n${r.control.transcript}`);
  return lines.join('\n');
}

async function labelFlow(suiteName: string, r: FlowResult): Promise<void> {
  await allure.parentSuite('flowproof');
  await allure.suite(suiteName);
  await allure.feature(r.expect === 'allow' ? 'declared allow' : 'declared deny');
  await allure.story(`${r.from} -> ${r.to}`);
  await allure.severity(severityOf(r));
  for (const c of r.controls) await allure.tag(c);
  await allure.label('control', r.controls.join(', '));
  await allure.parameter('port', `${r.resolvedPort}/${r.protocol}`);
  await allure.parameter('probe', r.probe);
  await allure.parameter('expect', r.expect);
  await allure.parameter('predicted', `${r.predicted} (${r.decidedBy})`);
  await allure.parameter('observed', r.observed ?? 'not run');
  await allure.description(r.reason);
  await allure.attachment('transcript', transcriptOf(r) || '(no attempt)', 'text/plain');
}

/** Runs the suite under mocha; resolves with the flow results and mocha's failure count. */
export async function runUnderMocha(input: MochaRunInput): Promise<{ results: FlowResult[]; failures: number }> {
  const mocha = new Mocha({
    reporter: AllureMochaReporter as unknown as Mocha.ReporterConstructor,
    reporterOptions: { resultsDir: input.allureResultsDir, ...(input.consoleReporter ? { extraReporters: 'spec' } : {}) },
    timeout: 0,
  });
  const root = Mocha.Suite.create(mocha.suite, input.suiteName);
  root.file = input.suiteFile;
  let results: FlowResult[] = [];
  let probeError: unknown;
  root.beforeAll(`probe ${input.flowNames.length} flows in parallel`, async () => {
    try {
      results = await input.probeAll();
    } catch (err) {
      probeError = err;
      throw err;
    }
  });
  input.flowNames.forEach((name, i) => {
    const test = new Mocha.Test(name, async () => {
        const r = results[i];
        if (!r) throw new Error(`no result for flow ${name}`);
        await labelFlow(input.suiteName, r);
        if (r.verdict === 'error') {
          // Inconclusive is neither pass nor fail: mocha shows it as a failed test with the reason.
          throw new Error(`INCONCLUSIVE (${r.observed}): ${r.reason}`);
        }
        expect(r.observed, `${r.reason}\n${transcriptOf(r)}`).to.satisfy(
          (o: string) => (r.expect === 'allow' ? o === 'ALLOWED' : o === 'DENIED' || o === 'REJECTED'),
          `declared ${r.expect}, observed ${r.observed}; predicted ${r.predicted} by ${r.decidedBy}`,
        );
    });
    test.file = input.suiteFile;
    root.addTest(test);
  });
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (probeError) throw probeError;
  return { results, failures };
}
