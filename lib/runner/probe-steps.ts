// The probing part of a run, step by step, on a world that is already up: for each policy
// step (a suite without steps is one), the policies in force replace the previous set
// (provider.apply resolves only once every workload enforces the new set: netns loads each
// pod's table in one nft transaction), its flows are predicted under that set in the same
// cluster state and probed, and the per-rule counters are read before the next step resets
// them. The world is never brought up or torn down here.
import type { ClusterState, Provider } from '../provider.ts';
import { prepare } from '../plan/prepare.ts';
import { policyRecords } from '../suite/policy-records.ts';
import { stepViews } from '../suite/steps.ts';
import { countVerdicts, type FlowResult, type StepRecord, type Suite } from '../types.ts';
import { probeFlows, type ProbeRunOptions } from './probe-flows.ts';
import { createProgress } from './progress.ts';
import { tlsContext } from './tls-checks.ts';
import { confirmRulesOnWire } from './wire-rules.ts';

export interface StepsOptions extends Pick<ProbeRunOptions, 'timeoutMs' | 'parallel' | 'agent' | 'retry' | 'sleep'> {
  /** No progress lines (`--json`). */
  quiet: boolean;
  /** Where progress goes (default stderr). */
  progressStream?: NodeJS.WriteStream;
}

export interface StepsOutcome {
  /** Every record, in step order. */
  flows: FlowResult[];
  /** One record per step: only for a suite with steps. */
  steps?: StepRecord[];
}

export async function probeSteps(suite: Suite, provider: Provider, state: ClusterState, opts: StepsOptions): Promise<StepsOutcome> {
  const flows: FlowResult[] = [];
  const steps: StepRecord[] = [];
  const tls = tlsContext(provider, suite);
  for (const view of stepViews(suite)) {
    const startedAt = new Date();
    // The world is the same in every step: only the policies in force and the flows differ.
    const { policies, admin, planned } = prepare(view.suite, state);
    await provider.apply(policies, admin);
    const label = view.name === undefined ? suite.name : `${suite.name}, step ${view.index + 1}/${suite.steps?.length ?? 1} "${view.name}"`;
    const progress = createProgress(label, opts.progressStream ?? process.stderr, opts.quiet);
    let probed: FlowResult[];
    try {
      probed = await probeFlows(provider, planned, { timeoutMs: opts.timeoutMs, parallel: opts.parallel, agent: opts.agent, retry: opts.retry, sleep: opts.sleep, onProbed: progress.onProbed, tls });
    } finally {
      progress.finish();
    }
    // Counters start again at each apply (netns reloads every table): they speak for this step only.
    probed = confirmRulesOnWire(probed, await provider.ruleCounters?.(), view.name === undefined ? 'this run' : 'this step');
    flows.push(...probed);
    if (view.name !== undefined) {
      steps.push({ name: view.name, policies: policyRecords(view.suite), startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), summary: countVerdicts(probed) });
    }
  }
  return suite.steps ? { flows, steps } : { flows };
}
