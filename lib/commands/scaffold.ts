// `flowproof scaffold <policy files...> [-o file]`: a starting suite from policies alone.
// The draft is written, validated by the suite loader, planned, and every expectation is
// set to what the policies say (with the deciding rule as the justification), so `plan` agrees.
import { unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ExitCode, InputError } from '../errors.ts';
import { parsePolicyFile } from '../policy/lint/source.ts';
import { scaffoldDraft, type ScaffoldDraft } from '../policy/scaffold.ts';
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
      ...(draft.externals.length ? { externals: draft.externals.map((e) => ({ name: e.name, ip: e.ip, serve: e.serve })) } : {}),
      policies: policyFiles.map((file) => ({ file })),
      flows: draft.flows.map((f) => ({ name: f.name, from: f.from, to: f.to, port: f.port, protocol: f.protocol, expect: f.expect, ...(reasons.has(f.name) ? { justification: reasons.get(f.name) } : {}) })),
    },
  };
  return `# Scaffolded by \`flowproof scaffold\`: expectations are what the policies say today.\n${stringify(doc, { lineWidth: 0 })}`;
}

/** Writes the scaffolded suite to `out` and returns its text (expectations from the model). */
export async function scaffoldSuite(policyFiles: string[], out: string): Promise<string> {
  const policies = policyFiles.flatMap((f) => parsePolicyFile(f).policies.map((p) => p.policy));
  if (policies.length === 0) throw new InputError([{ location: { file: policyFiles[0] ?? '-', line: 1 }, message: 'no NetworkPolicy found' }]);
  const draft = scaffoldDraft(policies);
  const name = `${basename(policyFiles[0]!).replace(/\.[^.]+$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'policies'}-scaffold`;
  const rel = policyFiles.map((f) => relative(dirname(resolve(out)), resolve(f)));
  writeFileSync(out, suiteYaml(name, draft, rel, new Map()));
  const plan = planSuite(await loadSuite(out)); // validates: a bad draft is exit 2 with file:line
  const reasons = new Map<string, string>();
  for (const { resolved, prediction } of plan.planned) {
    const f = draft.flows.find((x) => x.name === resolved.flow.name)!;
    if (f.expect !== prediction.verdict) reasons.set(f.name, `scaffold expected ${f.expect}, but the policies ${prediction.verdict} it: ${prediction.decidedBy}`);
    else reasons.set(f.name, `policies: ${prediction.decidedBy}`);
    f.expect = prediction.verdict;
  }
  const text = suiteYaml(name, draft, rel, reasons);
  writeFileSync(out, text);
  return text;
}

export function register(program: Command): Command {
  return program
    .command('scaffold')
    .description('write a starting suite from policy files: pods from selectors, an allow flow per rule, deny flows for neighbours')
    .argument('<policies...>', 'NetworkPolicy YAML files')
    .option('-o, --output <file>', 'write the suite here (default: print it)');
}

export async function action(files: string[], flags: { output?: string }): Promise<number> {
  if (flags.output) {
    await scaffoldSuite(files, flags.output);
    process.stdout.write(`wrote ${flags.output}\n`);
    return ExitCode.ok;
  }
  const tmp = `.flowproof-scaffold-${process.pid}.yaml`;
  try {
    process.stdout.write(await scaffoldSuite(files, tmp));
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
  return ExitCode.ok;
}
