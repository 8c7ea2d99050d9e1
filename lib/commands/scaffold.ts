// `flowproof scaffold <policy files...> [-o file]`: a starting suite from policies alone.
// The draft is validated by the suite loader, planned, and every expectation is set to what
// the policies say (with the deciding rule as the justification), so `plan` agrees; only a
// draft that validated is written or printed. Admin policies (ANP, BANP, CNP) get flows that
// exercise each rule and its boundary, each justified by the rule it is about; a flow whose
// outcome the API leaves undefined (same-priority policies that disagree) is left out and named.
import { rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ExitCode, InfrastructureError, InputError } from '../errors.ts';
import type { AdminPolicy } from '../policy/admin.ts';
import { normalizeForLint } from '../policy/lint/admin-lint.ts';
import { parsePolicyFile } from '../policy/lint/source.ts';
import { scaffoldDraft, type ScaffoldDraft, type ScaffoldFlow } from '../policy/scaffold.ts';
import type { Prediction } from '../types.ts';
import { planSuite } from '../plan/prepare.ts';
import { loadSuite } from '../suite/load.ts';


function suiteYaml(name: string, draft: ScaffoldDraft, policyFiles: string[], reasons: Map<string, string>): string {
  const doc = {
    apiVersion: 'flowproof/v1',
    kind: 'ConnectivitySuite',
    metadata: { name, description: `Scaffolded by flowproof from ${policyFiles.join(', ')}: review every expectation.` },
    spec: {
      namespaces: Object.fromEntries(Object.entries(draft.namespaces).map(([n, v]) => [n, { labels: v.labels }])),
      pods: draft.pods.map((p) => ({ name: p.name, namespace: p.namespace, labels: p.labels, serve: p.serve.map((s) => ({ port: s.port, protocol: s.protocol, ...(s.name ? { name: s.name } : {}) })) })),
      ...(draft.externals.length ? { externals: draft.externals.map((e) => ({ name: e.name, ip: e.ip, ...(e.hostnames ? { hostnames: e.hostnames } : {}), serve: e.serve })) } : {}),
      policies: policyFiles.map((file) => ({ file })),
      flows: draft.flows.map((f) => ({ name: f.name, from: f.from, to: f.to, port: f.port, protocol: f.protocol, expect: f.expect, ...(reasons.has(f.name) ? { justification: reasons.get(f.name) } : {}) })),
    },
  };
  const skipped = draft.skippedBlocks.length
    ? `# No external was made for these ipBlocks (no TEST-NET address inside them; a probe to a public address would leave for the internet),\n# so their rules have no flow here: ${draft.skippedBlocks.join('; ')}\n`
    : '';
  const admin = draft.skippedAdmin.length ? `# No flow was written for these admin rule items: ${draft.skippedAdmin.join('; ')}\n` : '';
  const open = draft.undefinedFlows.length
    ? `# Left out: same-priority admin policies disagree about these flows, and the API leaves the outcome to the implementation (plan would report them undefined): ${draft.undefinedFlows.map((n) => `"${n}"`).join('; ')}\n`
    : '';
  return `# Scaffolded by \`flowproof scaffold\`: expectations are what the policies say today.\n${skipped}${admin}${open}${stringify(doc, { lineWidth: 0 })}`;
}

/** Whether the prediction names the admin rule: it decided a direction, or the packet passed through it. */
function names(p: Prediction, label: string): boolean {
  return p.decidedBy.includes(label) || p.explanation.includes(label);
}

/** The justification of a flow: the deciding rule, and for an admin rule's flows the rule they are about. */
function justification(f: ScaffoldFlow, p: Prediction): string {
  const policies = `policies: ${p.decidedBy}`;
  if (f.exercises) {
    return names(p, f.exercises)
      ? `exercises ${f.exercises}; ${policies}`
      : `meant to exercise ${f.exercises}, which does not decide it (an earlier rule takes it first: see flowproof lint); ${policies}`;
  }
  if (f.boundary) {
    const { rule, why } = f.boundary;
    return p.decidedBy.includes(rule) ? `meant as the boundary of ${rule} (${why}), yet the rule decides it; ${policies}` : `boundary of ${rule}: ${why}; ${policies}`;
  }
  return f.expect !== p.verdict ? `scaffold expected ${f.expect}, but the policies ${p.verdict} it: ${p.decidedBy}` : policies;
}

/**
 * A draft the loader refuses is flowproof's own mistake (the policies parsed): said as such,
 * with the draft's lines quoted, never pointing at the temp file it was checked in.
 */
function draftRefused(err: InputError, text: string): InfrastructureError {
  const lines = text.split('\n');
  const detail = err.problems.map((p) => `draft line ${p.location.line}: ${p.message}${lines[p.location.line - 1] !== undefined ? `\n    ${lines[p.location.line - 1]!.trim()}` : ''}`).join('\n  ');
  return new InfrastructureError('scaffold a suite', `the draft made from these policies does not validate:\n  ${detail}`, 'this is a flowproof bug: please report it with the policy files', { cause: err });
}

/**
 * The scaffolded suite for `out` (policy paths relative to it): the draft is validated by the
 * loader and planned (expectations set from the model) under a temp name beside `out`, which
 * is removed again; with `write`, `out` is written only once its draft validated.
 */
export async function scaffoldSuite(policyFiles: string[], out: string, write = true): Promise<string> {
  const parsed = policyFiles.map((f) => parsePolicyFile(f));
  const policies = parsed.flatMap((p) => p.policies.map((x) => x.policy));
  const admin = parsed.flatMap((p) => p.adminPolicies.map((x) => normalizeForLint(x.document))).filter((p): p is AdminPolicy => !!p);
  if (policies.length === 0 && admin.length === 0) throw new InputError([{ location: { file: policyFiles[0] ?? '-', line: 1 }, message: 'no NetworkPolicy or admin policy found' }]);
  const draft = scaffoldDraft(policies, admin);
  const name = `${basename(policyFiles[0]!).replace(/\.[^.]+$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'policies'}-scaffold`;
  const rel = policyFiles.map((f) => relative(dirname(resolve(out)), resolve(f)));
  const checkAt = join(dirname(resolve(out)), `.${basename(out)}.flowproof-scaffold-${process.pid}.yaml`);
  const validated = async (text: string) => {
    writeFileSync(checkAt, text);
    try {
      return planSuite(await loadSuite(checkAt));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // Problems of the policy files are the user's (exit 2 at them); of the draft itself, flowproof's.
      const theirs = err.problems.filter((p) => resolve(p.location.file) !== checkAt);
      throw theirs.length > 0 ? new InputError(theirs) : draftRefused(err, text);
    }
  };
  let text: string;
  try {
    const plan = await validated(suiteYaml(name, draft, rel, new Map()));
    const reasons = new Map<string, string>();
    const undefinedByApi = new Set<string>();
    for (const { resolved, prediction } of plan.planned) {
      const f = draft.flows.find((x) => x.name === resolved.flow.name)!;
      if (prediction.ambiguity) undefinedByApi.add(f.name);
      reasons.set(f.name, justification(f, prediction));
      f.expect = prediction.verdict;
    }
    // No expectation can be right where the API leaves the outcome open: said, not probed.
    if (undefinedByApi.size) {
      draft.flows = draft.flows.filter((f) => !undefinedByApi.has(f.name));
      draft.undefinedFlows.push(...undefinedByApi);
    }
    text = suiteYaml(name, draft, rel, reasons);
    await validated(text);
  } finally {
    rmSync(checkAt, { force: true });
  }
  if (write) writeFileSync(out, text);
  return text;
}

export function register(program: Command): Command {
  return program
    .command('scaffold')
    .description('write a starting suite from policy files: pods from selectors, an allow flow per rule, deny flows for neighbours; admin rules with their boundaries')
    .argument('<policies...>', 'NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy YAML files')
    .option('-o, --output <file>', 'write the suite here (default: print it)');
}

export async function action(files: string[], flags: { output?: string }): Promise<number> {
  if (flags.output) {
    await scaffoldSuite(files, flags.output);
    process.stdout.write(`wrote ${flags.output}\n`);
    return ExitCode.ok;
  }
  // Printed: policy paths relative to the working directory, as for a suite written there.
  process.stdout.write(await scaffoldSuite(files, 'scaffold.yaml', false));
  return ExitCode.ok;
}
