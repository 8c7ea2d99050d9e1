// lint over files: policy files are read as written; a suite brings its pods and namespaces
// (so selector and named-port rules can check against them) and its policies.
import { dirname, join, resolve } from 'node:path';
import type { NetworkPolicy, Suite } from '../../types.ts';
import { formatLocation, InputError, type InputProblem } from '../../errors.ts';
import { planAddresses } from '../../suite/addresses.ts';
import { loadSuite } from '../../suite/load.ts';
import { resolveFlow } from '../../suite/resolve.ts';
import { policiesInForce } from '../../suite/template.ts';
import { worldFromSuite } from '../from-suite.ts';
import { predictResolvedFlow } from '../plan.ts';
import type { PolicyWorld } from '../world.ts';
import { lintPolicies, sortFindings, type Finding, type LintContext, type LintFlows } from './rules.ts';
import { parsePolicyFile, type PolicySource } from './source.ts';

export type { Finding, Severity, LintContext, LintFlows } from './rules.ts';
export { lintPolicies, sortFindings } from './rules.ts';
export { parsePolicyText, parsePolicyFile, type PolicySource } from './source.ts';

/** Pods and namespaces of a suite as labels only (lint needs no addresses). */
export function labelWorld(suite: Suite): PolicyWorld {
  return {
    namespaces: suite.namespaces.map((n) => ({ name: n.name, labels: { ...n.labels, 'kubernetes.io/metadata.name': n.name } })),
    pods: suite.pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      labels: p.labels,
      ip: p.ip ?? '',
      ports: p.serve.map((s) => ({ ...(s.name ? { name: s.name } : {}), port: s.port, protocol: s.protocol })),
    })),
  };
}

/** The suite's flows as `plan` predicts them (planner addresses, policies in force), under those policies or a variant. */
export function suiteFlows(suite: Suite): LintFlows {
  const state = planAddresses(suite);
  const policies = policiesInForce(suite, state);
  const world = worldFromSuite(suite, state);
  const resolved = suite.flows.map((flow) => resolveFlow(suite, state, flow));
  const run = (ps: NetworkPolicy[]) => resolved.map((r) => ({ name: r.flow.name, expect: r.flow.expect, verdict: predictResolvedFlow(ps, world, r).verdict }));
  let inForce: ReturnType<typeof run> | undefined;
  return {
    policies,
    ids: suite.policies.map((lp) => `${lp.namespace}/${lp.policy.metadata.name}`),
    predict: (ps) => (ps ? run(ps) : (inForce ??= run(policies))),
  };
}

/** Lints a suite's policies against its pods; policy locations come from re-reading the files. */
export function lintSuite(suite: Suite): Finding[] {
  const own = parsePolicyFile(suite.file);
  const sources: PolicySource[] = [...own.policies];
  for (const rel of own.policyFiles) sources.push(...parsePolicyFile(join(dirname(suite.file), rel)).policies);
  // Policies without a namespace take the one the loader gave them.
  for (const s of sources) {
    if (!s.policy.metadata?.namespace) {
      const loaded = suite.policies.find((lp) => lp.policy.metadata.name === s.policy.metadata?.name);
      if (loaded) s.policy = { ...s.policy, metadata: { ...s.policy.metadata, namespace: loaded.namespace } };
    }
  }
  return lintPolicies(sources, { world: labelWorld(suite), podCIDR: suite.podCIDR, flows: suiteFlows(suite) });
}

export function lintFiles(files: string[], ctx: LintContext): Finding[] {
  return lintPolicies(files.flatMap((f) => parsePolicyFile(f).policies), ctx);
}

export function formatFinding(f: Finding): string {
  return `${formatLocation(f.location)}: ${f.severity} [${f.ruleId}] ${f.policy}: ${f.message}`;
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
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(resolve(file))) continue;
    seen.add(resolve(file));
    try {
      const parsed = parsePolicyFile(file);
      if (parsed.kinds.includes('ConnectivitySuite')) findings.push(...lintSuite(await loadSuite(file)));
      else plain.push(...parsed.policies);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      inputErrors.push(...err.problems);
    }
  }
  if (plain.length) findings.push(...lintPolicies(plain, ctx));
  return { findings: sortFindings(findings), inputErrors };
}
