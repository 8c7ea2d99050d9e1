// lint over files: policy files are read as written; a suite brings its pods and namespaces
// (so selector and named-port rules can check against them), its policies and its flows as
// `plan` predicts them, and for its admin policies the world `plan` predicts over (pods with
// addresses and served ports, externals, the NetworkPolicies and admin policies in force).
import { dirname, join, resolve } from 'node:path';
import { InputError, type InputProblem } from '../errors.ts';
import {
  lintAdminPolicies,
  lintPolicies,
  parsePolicyFile,
  sortFindings,
  type AdminLintWorld,
  type AdminPolicySource,
  type Finding,
  type LintContext,
  type LintFlows,
  type ParsedFile,
  type PolicySource,
} from '../policy/lint/index.ts';
import { loadSuite } from '../suite/load.ts';
import type { Expectation, Suite } from '../types.ts';
import { predictResolvedFlow, type PlannedPrediction } from './flows.ts';
import { planSteps, planSuite, type SuitePlan } from './prepare.ts';
import { labelWorld } from './world.ts';

/** The suite's flows as `plan` predicts them (planner addresses, policies in force), under those policies or a variant. */
export function suiteFlows(suite: Suite, plan: SuitePlan = planSuite(suite)): LintFlows {
  const { policies, world, planned } = plan;
  const run = (verdictOf: (p: PlannedPrediction) => Expectation) => planned.map((p) => ({ name: p.resolved.flow.name, expect: p.resolved.flow.expect, verdict: verdictOf(p) }));
  const inForce = run((p) => p.prediction.verdict);
  return {
    policies,
    ids: suite.policies.map((lp) => `${lp.namespace}/${lp.policy.metadata.name}`),
    predict: (ps) => (ps ? run((p) => predictResolvedFlow(ps, world, p.resolved).verdict) : inForce),
  };
}

/** The world the admin rules of lint decide over: the one `plan` predicts in. */
export function adminLintWorld(suite: Suite, plan: SuitePlan): AdminLintWorld {
  return {
    world: plan.world,
    policies: plan.policies,
    externalPorts: Object.fromEntries(suite.externals.map((e) => [e.name, e.serve.map((s) => ({ port: s.port, protocol: s.protocol }))])),
    inForce: new Map(plan.admin.map((a) => [a.policy.id, a.policy])),
  };
}

/** The policies of a list (inline ones, and the documents of its `file:` entries). */
function listSources(suite: Suite, list: Pick<ParsedFile, 'policies' | 'adminPolicies' | 'policyFiles'>): { sources: PolicySource[]; adminSources: AdminPolicySource[] } {
  const sources: PolicySource[] = [...list.policies];
  const adminSources: AdminPolicySource[] = [...list.adminPolicies];
  for (const rel of list.policyFiles) {
    const parsed = parsePolicyFile(join(dirname(suite.file), rel));
    sources.push(...parsed.policies);
    adminSources.push(...parsed.adminPolicies);
  }
  return { sources, adminSources };
}

/**
 * Lints a suite's policies against its pods; policy locations come from re-reading the files.
 * A suite with policy steps is linted a step at a time: each step's set (the base and its own)
 * with its flows, as it is in force; a finding several steps share is reported once.
 */
export function lintSuite(suite: Suite): Finding[] {
  const own = parsePolicyFile(suite.file);
  const base = listSources(suite, own);
  const findings = planSteps(suite).flatMap((plan, j) => {
    const step = own.steps?.[j] ? listSources(suite, own.steps[j]) : { sources: [], adminSources: [] };
    // Copies: the namespace defaulting below is per step (a step's own policies are loaded beside the base).
    const sources = [...base.sources, ...step.sources].map((s) => ({ ...s }));
    // Policies without a namespace take the one the loader gave them.
    for (const s of sources) {
      if (!s.policy.metadata?.namespace) {
        const loaded = plan.suite.policies.find((lp) => lp.policy.metadata.name === s.policy.metadata?.name);
        if (loaded) s.policy = { ...s.policy, metadata: { ...s.policy.metadata, namespace: loaded.namespace } };
      }
    }
    const admin = lintAdminPolicies([...base.adminSources, ...step.adminSources], { where: suite.steps ? `step "${plan.step}" of this suite` : 'this suite', world: adminLintWorld(plan.suite, plan) });
    return [...lintPolicies(sources, { world: labelWorld(plan.suite), podCIDR: suite.podCIDR, flows: suiteFlows(plan.suite, plan) }), ...admin];
  });
  const seen = new Set<string>();
  return sortFindings(findings.filter((f) => !seen.has(JSON.stringify(f)) && seen.add(JSON.stringify(f)) !== undefined));
}

/** What lint found over many inputs: the findings of every readable input, the problems of every other. */
export interface LintRun {
  findings: Finding[];
  /** Inputs that could not be linted (missing, bad YAML, a suite that does not load), file:line: message. */
  inputErrors: InputProblem[];
}

/**
 * Lints every input; one bad input never hides the others. Suites are linted against their own
 * pods and namespaces; plain policy files together (rules that look across policies, such as
 * DNS egress and shadowed rules, see all of them). A file named twice is linted once.
 */
export async function lintInputs(files: string[], ctx: LintContext): Promise<LintRun> {
  const findings: Finding[] = [];
  const inputErrors: InputProblem[] = [];
  const plain: PolicySource[] = [];
  const plainAdmin: AdminPolicySource[] = [];
  let plainFiles = 0;
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(resolve(file))) continue;
    seen.add(resolve(file));
    try {
      const parsed = parsePolicyFile(file);
      if (parsed.kinds.includes('ConnectivitySuite')) findings.push(...lintSuite(await loadSuite(file)));
      else {
        plain.push(...parsed.policies);
        plainAdmin.push(...parsed.adminPolicies);
        plainFiles++;
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      inputErrors.push(...err.problems);
    }
  }
  if (plain.length) findings.push(...lintPolicies(plain, ctx));
  if (plainAdmin.length) findings.push(...lintAdminPolicies(plainAdmin, { where: plainFiles === 1 ? 'this file' : 'these files' }));
  return { findings: sortFindings(findings), inputErrors };
}
