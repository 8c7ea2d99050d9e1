// `flowproof plan <suite...> [--json]`: predict every flow from the policies, no cluster.
// Exit 1 when any declaration contradicts the policies.
import type { Command } from 'commander';
import { setExitCode } from '../cli.ts';
import { ExitCode } from '../errors.ts';
import { worldFromSuite } from '../policy/from-suite.ts';
import { planFlows, planResult, type PlannedPrediction } from '../policy/plan.ts';
import type { PolicyWorld } from '../policy/world.ts';
import type { ClusterState } from '../provider.ts';
import { planAddresses } from '../suite/addresses.ts';
import { loadSuites } from '../suite/load.ts';
import { policiesInForce } from '../suite/template.ts';
import type { NetworkPolicy, RunResult, Suite } from '../types.ts';


export interface SuitePlan {
  suite: Suite;
  state: ClusterState;
  policies: NetworkPolicy[];
  world: PolicyWorld;
  items: PlannedPrediction[];
}

/** Addresses from the planner, policies in force, and a prediction per flow. */
export function planSuite(suite: Suite): SuitePlan {
  const state = planAddresses(suite);
  const policies = policiesInForce(suite, state);
  const world = worldFromSuite(suite, state);
  return { suite, state, policies, world, items: planFlows(suite, state, policies) };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function formatPlan(result: RunResult): string {
  const rows = [['FLOW', 'EXPECT', 'PREDICTED', 'VERDICT', 'DECIDED BY']];
  for (const f of result.flows) rows.push([f.name, f.expect, f.predicted, f.verdict === 'pass' ? 'pass' : 'FAIL', f.decidedBy]);
  const lines = [`suite ${result.suite}: ${result.flows.length} flow(s) planned`, table(rows)];
  const fails = result.flows.filter((f) => f.verdict === 'fail');
  if (fails.length) {
    lines.push('', 'contradictions:');
    for (const f of fails) lines.push(`  ${f.name}: ${f.reason}`);
  }
  lines.push('', `${result.summary.pass} pass, ${result.summary.fail} fail`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('predict every flow from the policies (no cluster): expect vs predicted, with the deciding rule')
    .argument('<suite...>', 'suite files (flowproof/v1 ConnectivitySuite)')
    .option('--json', 'print the plan records (results.json shape, without observed/attempts)')
    .action(async (files: string[], flags: { json?: boolean }, cmd: Command) => {
      const suites = await loadSuites(files);
      const results = suites.map((suite) => {
        const started = new Date();
        const plan = planSuite(suite);
        return planResult(suite.name, plan.items, started, new Date());
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
      else process.stdout.write(`${results.map(formatPlan).join('\n\n')}\n`);
      setExitCode(cmd, results.some((r) => r.summary.fail > 0) ? ExitCode.violations : ExitCode.ok);
    });
}
