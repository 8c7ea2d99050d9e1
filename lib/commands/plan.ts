// `flowproof plan <suite...> [--json] [--mermaid <file>]`: predict every flow from the
// policies, no cluster (a suite with policy steps: each step's flows under its own policies); --mermaid also writes the whole matrix of the suite's world as a
// Mermaid graph (allowed edges only). Exit 1 when any declaration contradicts the policies.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { ExitCode, InputError } from '../errors.ts';
import { planResult } from '../plan/flows.ts';
import { planSteps } from '../plan/prepare.ts';
import { loadSuites } from '../suite/load.ts';
import type { RunResult } from '../types.ts';
import { processScrubber, stdoutJson, terminalLine, terminalText } from '../report/output.ts';


function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function formatPlan(result: RunResult): string {
  const rows = [['FLOW', 'EXPECT', 'PREDICTED', 'VERDICT', 'DECIDED BY']];
  for (const f of result.flows) rows.push([terminalLine(f.name), f.expect, f.predicted, f.verdict === 'pass' ? 'pass' : 'FAIL', terminalLine(f.decidedBy)]);
  const lines = [`suite ${result.suite}: ${result.flows.length} flow(s) planned`, table(rows)];
  const fails = result.flows.filter((f) => f.verdict === 'fail');
  if (fails.length) {
    lines.push('', 'contradictions:');
    for (const f of fails) lines.push(`  ${terminalLine(f.name)}: ${terminalLine(f.reason)}`);
  }
  lines.push('', `${result.summary.pass} pass, ${result.summary.fail} fail`);
  return lines.join('\n');
}

export function register(program: Command): Command {
  return program
    .command('plan')
    .description('predict every flow from the policies (no cluster): expect vs predicted, with the deciding rule')
    .argument('<suite...>', 'suite files (flowproof/v1 ConnectivitySuite)')
    .option('--json', 'print the plan records (results.json shape, without observed/attempts)')
    .option('--mermaid <file>', "also write every predicted cell of the suite's world as a Mermaid graph: allowed edges only, grouped per namespace (one suite; with policy steps, under the last step's policies)");
}

export async function action(files: string[], flags: { json?: boolean; mermaid?: string }): Promise<number> {
  const suites = await loadSuites(files);
  if (flags.mermaid && suites.length !== 1) {
    throw new InputError([{ location: { file: '--mermaid', line: 1 }, message: `--mermaid draws the world of one suite: ${suites.length} were given` }]);
  }
  const plans = suites.map((suite) => {
    const started = new Date();
    // A suite with policy steps: every step's flows under that step's policies (records carry the step).
    const steps = planSteps(suite);
    return { suite, state: steps[0]!.state, result: planResult(suite.name, steps.flatMap((s) => s.planned), started, new Date()) };
  });
  const results = plans.map((p) => p.result);
  if (flags.mermaid) {
    const { suite, state } = plans[0]!;
    const { suiteMatrixGraph } = await import('../report/matrix-graph.ts');
    // With policy steps: the last step's policies (the world as the run leaves it).
    writeFileSync(flags.mermaid, processScrubber().text(suiteMatrixGraph(suite, state).source));
  }
  if (flags.json) process.stdout.write(stdoutJson(results.length === 1 ? results[0] : results));
  else process.stdout.write(terminalText(`${results.map(formatPlan).join('\n\n')}\n`));
  return results.some((r) => r.summary.fail > 0) ? ExitCode.violations : ExitCode.ok;
}
