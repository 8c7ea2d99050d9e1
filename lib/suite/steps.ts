// Policy steps (spec.steps) as the rest of flowproof reads them: each step is a view of the
// suite with the policies in force during it (the base, spec.policies, then the step's own)
// and only its flows, so prepare(), coverage, lint and the runner treat a step as they treat a
// suite. A suite without steps is its own one view.
import type { LoadedAdminPolicy, LoadedPolicy, Suite, SuiteStep } from '../types.ts';

export interface StepView {
  /** The step's name; absent for a suite without steps. */
  name?: string;
  /** Its place in spec.steps (0 for a suite without steps). */
  index: number;
  /** The suite as the step sees it: policies in force = base + the step's own, flows = the step's, no steps. */
  suite: Suite;
}

/** The suite viewed one step at a time, in order; a suite without steps is one view of itself. */
export function stepViews(suite: Suite): StepView[] {
  if (!suite.steps) return [{ index: 0, suite }];
  return suite.steps.map((step, index) => ({ name: step.name, index, suite: stepSuite(suite, step) }));
}

/** The suite during one step: the base policies and the step's own in force, only the step's flows. */
export function stepSuite(suite: Suite, step: SuiteStep): Suite {
  const admin = [...(suite.adminPolicies ?? []), ...(step.adminPolicies ?? [])];
  const { steps: _steps, adminPolicies: _admin, ...rest } = suite;
  return {
    ...rest,
    policies: [...suite.policies, ...step.policies],
    ...(admin.length > 0 ? { adminPolicies: admin } : {}),
    flows: suite.flows.filter((f) => f.step === step.name),
  };
}

/**
 * The view whose policies stand for the suite where one set is drawn (the predicted graph):
 * the last step, the state the world was left in; the suite itself without steps.
 */
export function lastView(suite: Suite): StepView {
  return stepViews(suite).at(-1)!;
}

// Where it was written and what it is: two documents are one only when both agree.
const documentKey = (p: LoadedPolicy | LoadedAdminPolicy) =>
  `${'id' in p ? p.id : `${p.namespace}/${p.policy.metadata.name}`}\0${p.source.file}\0${p.source.line}\0${p.source.col ?? 0}\0${p.sha256}`;

/**
 * Every policy document the suite names, base and steps, each once (a file named by two steps
 * is one document): what the evidence copies and records, and `verify --policies` compares.
 */
export function everyPolicy(suite: Suite): { policies: LoadedPolicy[]; admin: LoadedAdminPolicy[] } {
  const once = <T extends LoadedPolicy | LoadedAdminPolicy>(list: T[]): T[] => {
    const seen = new Set<string>();
    return list.filter((p) => !seen.has(documentKey(p)) && seen.add(documentKey(p)) !== undefined);
  };
  const steps = suite.steps ?? [];
  return {
    policies: once([...suite.policies, ...steps.flatMap((s) => s.policies)]),
    admin: once([...(suite.adminPolicies ?? []), ...steps.flatMap((s) => s.adminPolicies ?? [])]),
  };
}

/** "<step>: <flow>": a step's flow's record name (flow names are unique within a step). */
export function stepFlowName(step: string | undefined, name: string): string {
  return step === undefined ? name : `${step}: ${name}`;
}
